/**
 * Builds the real fastify app on a real SQLite file in a temp dir, for app.inject() tests: the same
 * composition root as the daemon (src/compose/), without listeners, timers or recovery.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ThrottleLimits } from '../../src/auth/login-throttle.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase, type Db } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { dataPaths, ensureDataDir } from '../../src/data-dir.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { composeCore, type Core } from '../../src/compose/core.js';
import { composePanel, type PanelOptions } from '../../src/compose/panel.js';
import type { AppContext } from '../../src/http/context.js';
import type { TrafficFeature } from '../../src/traffic/traffic.service.js';
import type { MetricsFeature } from '../../src/metrics/metrics-feature.js';

export interface TestApp {
  app: FastifyInstance;
  /** What the composition root handed the HTTP layer. */
  ctx: AppContext;
  db: Db;
  config: Config;
  runtime: DockerRuntime;
  deploys: Core['deploys'];
  /** Certificates, when asked for with `withHttps` (no listener; orders go to BERTH_ACME_DIRECTORY). */
  https: Core['https'];
  /** Custom domains, when asked for with `withHttps`. */
  domains: Core['domains'];
  /** HTTP metrics and the request log (timers not started: tests call flush()). */
  traffic: TrafficFeature;
  /** Resource metrics; nothing samples on a schedule here: tests call metrics.sampler.tick(). */
  metrics: MetricsFeature;
  /** What changed, for the live pages (tests publish into it). */
  events: Core['events'];
  close(): Promise<void>;
}

export async function createTestApp(
  options: {
    env?: Record<string, string>;
    throttle?: ThrottleLimits;
    withHttps?: boolean;
    cliLogin?: PanelOptions['cliLogin'];
  } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-http-'));
  const config = loadConfig({ BERTH_DATA_DIR: dataDir, BERTH_LOG_LEVEL: 'silent', ...options.env });
  ensureDataDir(dataPaths(dataDir));
  const handle = openDatabase(join(dataDir, 'berth.db'));
  await migrateToLatest(handle.db);
  const logger = createLogger(config.logLevel);
  const runtime = new DockerRuntime(config.docker, { logger });
  await runtime.start();
  const core = composeCore(
    {
      config,
      db: handle.db,
      runtime,
      secretBox: new SecretBox(randomBytes(32).toString('base64url')),
      logger,
      installId: `http-test-${randomBytes(6).toString('base64url')}`,
    },
    { https: options.withHttps ?? false },
  );
  await core.https?.load();
  const scheduler = new Scheduler(logger);
  const panel = composePanel(core, {
    scheduler,
    sessionSecret: 'test-session-secret-that-is-long-enough-for-signing',
    version: 'test',
    throttle: options.throttle,
    cliLogin: options.cliLogin,
  });
  const app = await buildApp(panel.ctx);
  await app.ready();
  return {
    app,
    ctx: panel.ctx,
    db: handle.db,
    config,
    runtime,
    deploys: core.deploys,
    https: core.https,
    domains: core.domains,
    traffic: core.traffic,
    metrics: panel.metrics,
    events: core.events,
    async close() {
      await app.close();
      await core.traffic.stop();
      await core.https?.close();
      await core.deploys.stop();
      await panel.databases.close();
      await scheduler.stop();
      await runtime.stop();
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
