/** Builds the real fastify app on a real SQLite file in a temp dir, for app.inject() tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { LoginThrottle, type ThrottleLimits } from '../../src/auth/login-throttle.js';
import { SqliteSessionStore } from '../../src/auth/session-store.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase, type Db } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { createDeploySystem, createLifecycle } from '../../src/main.js';
import { RouteTable } from '../../src/proxy/route-table.js';
import { dataPaths, ensureDataDir } from '../../src/data-dir.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { randomBytes } from 'node:crypto';
import { HttpsSystem } from '../../src/tls/https-system.js';
import { EventBus } from '../../src/events/event-bus.js';
import { createDatabaseFeature } from '../../src/databases/database-feature.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { TrafficFeature } from '../../src/traffic/traffic.service.js';
import { createMetricsFeature, type MetricsFeature } from '../../src/metrics/metrics-feature.js';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  config: Config;
  runtime: DockerRuntime;
  deploys: ReturnType<typeof createDeploySystem>;
  /** Domains and certificates, when asked for with `withHttps` (no listener; orders go to BERTH_ACME_DIRECTORY). */
  https: HttpsSystem | undefined;
  /** HTTP metrics and the request log (timers not started: tests call flush()). */
  traffic: TrafficFeature;
  /** Resource metrics; nothing samples on a schedule here: tests call metrics.sampler.tick(). */
  metrics: MetricsFeature;
  /** The event bus the live stream reads (tests publish on it). */
  events: EventBus;
  close(): Promise<void>;
}

export async function createTestApp(
  options: { env?: Record<string, string>; throttle?: ThrottleLimits; withHttps?: boolean } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-http-'));
  const config = loadConfig({ BERTH_DATA_DIR: dataDir, BERTH_LOG_LEVEL: 'silent', ...options.env });
  ensureDataDir(dataPaths(dataDir));
  const handle = openDatabase(join(dataDir, 'berth.db'));
  await migrateToLatest(handle.db);
  const logger = createLogger(config.logLevel);
  const runtime = new DockerRuntime(config.docker, { logger });
  await runtime.start();
  const secretBox = new SecretBox(randomBytes(32).toString('base64url'));
  const routes = new RouteTable();
  const events = new EventBus();
  const https = options.withHttps ? new HttpsSystem(config, handle.db, routes, logger, undefined, events) : undefined;
  await https?.load();
  const deploys = createDeploySystem({
    config,
    db: handle.db,
    runtime,
    secretBox,
    routes,
    router: https?.router,
    logger,
    events,
  });
  const scheduler = new Scheduler(logger);
  const databases = createDatabaseFeature({ config, db: handle.db, runtime, secretBox, logger, events }, scheduler);
  const lifecycle = createLifecycle({
    config,
    deploys,
    databases,
    https,
    installId: `http-test-${randomBytes(6).toString('base64url')}`,
  });
  const traffic = new TrafficFeature(handle.db, logger);
  const metrics = createMetricsFeature({ db: handle.db, runtime, dataDir, logger });
  const app = await buildApp({
    config,
    db: handle.db,
    runtime,
    logger,
    sessionStore: new SqliteSessionStore(handle.db),
    loginThrottle: new LoginThrottle(options.throttle),
    sessionSecret: 'test-session-secret-that-is-long-enough-for-signing',
    secretBox,
    deploys,
    https,
    databases,
    lifecycle,
    traffic,
    version: 'test',
    metrics,
    events,
  });
  await app.ready();
  return {
    app,
    db: handle.db,
    config,
    runtime,
    deploys,
    https,
    traffic,
    metrics,
    events,
    async close() {
      await app.close();
      await traffic.stop();
      await https?.close();
      await deploys.stop();
      await databases.close();
      await scheduler.stop();
      await runtime.stop();
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
