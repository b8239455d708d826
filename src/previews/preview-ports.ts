/** What the previews feature needs from the rest of Berth (wired in src/compose/previews.ts). */
import type { Db } from '../db/connection.js';
import type { Logger } from '../logger.js';
import type { UrlConfig } from '../projects/service.types.js';

export interface PreviewsDeps {
  db: Db;
  logger: Logger;
  urls: UrlConfig;
  /** How long one TTL hour lasts in ms (3 600 000; shorter only in tests: BERTH_PREVIEW_HOUR_SECONDS). */
  hourMs: number;
  environments: {
    duplicate(
      projectId: string,
      source: string,
      input: { name: string; databases: 'empty' | 'seed'; deploy: false; cron: 'paused' },
      triggeredBy: string | null,
    ): Promise<{
      environment: { id: string; name: string };
      services: Array<{ id: string; name: string; from: string }>;
      stacks: Array<{ id: string; name: string }>;
    }>;
    remove(projectId: string, nameOrId: string, input: { confirm: string }): Promise<string[]>;
  };
  /** Queues a deployment of `serviceId` (of `sha` when given; else its branch's tip). */
  deploy(
    serviceId: string,
    trigger: 'push' | 'webhook',
    triggeredBy: string | null,
    sha: string | undefined,
  ): Promise<{ id: string }>;
  /** Starts a compose stack copied into a new preview (absent: copies stay stopped). */
  startStack?(stackId: string): Promise<void>;
  /** The commit the service's active deployment runs, if any. */
  runningCommit(serviceId: string): Promise<string | undefined>;
}
