/** What the rules read: the database, the container engine, the data dir's disk and (optionally) metrics. */
import type { StatsFs } from 'node:fs';
import type { Db } from '../../db/connection.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { AlertRule, Finding } from '../alert.types.js';
import type { MetricsReader } from '../metrics-port.js';

export interface RuleContext {
  db: Db;
  runtime: Pick<Runtime, 'listContainers' | 'inspectContainer' | 'state'>;
  dataDir: string;
  /** Where certificates are kept (data/certs). */
  certsDir: string;
  /** The panel's own domain, whose certificate is server-wide. */
  panelDomain: string | undefined;
  /** CPU, memory and HTTP numbers; without it those rules find nothing. */
  metrics: MetricsReader | undefined;
  statfs(path: string): Promise<Pick<StatsFs, 'blocks' | 'bfree' | 'bavail'>>;
  now(): number;
}

/** Every condition of the rule's kind that holds now. Throws when it cannot tell (the engine is away). */
export type RuleCheck = (ctx: RuleContext, rule: AlertRule) => Promise<Finding[]>;
