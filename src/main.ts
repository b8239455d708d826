/**
 * Composition root: config → data dir lock → database → runtime → http. Shuts down in reverse order.
 * Nothing else wires components together.
 */
import type { FastifyInstance } from 'fastify';
import { LoginThrottle } from './auth/login-throttle.js';
import { SqliteSessionStore } from './auth/session-store.js';
import { sessionSweepJob } from './auth/session-sweep.job.js';
import { issueSetupToken } from './auth/setup-claim.service.js';
import type { Config } from './config.js';
import { dataPaths, ensureDataDir, readOrCreateSecret } from './data-dir.js';
import { openDatabase, tryExclusiveLock, type DbHandle } from './db/connection.js';
import { migrateToLatest } from './db/migrate.js';
import { AppError } from './errors.js';
import { buildApp } from './http/app.js';
import { createLogger, type Logger } from './logger.js';
import { Scheduler } from './jobs/scheduler.js';
import { DockerRuntime } from './runtime/docker.js';
import { VERSION } from './version.js';

export interface Daemon {
  app: FastifyInstance;
  logger: Logger;
  /** The one-time setup URL while the install is unclaimed. */
  setupUrl: string | undefined;
  close(): Promise<void>;
}

export async function startDaemon(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<Daemon> {
  const paths = dataPaths(config.dataDir);
  ensureDataDir(paths);
  const lock = tryExclusiveLock(paths.lock);
  if (!lock) {
    throw new AppError(
      'DATA_DIR_LOCKED',
      `another Berth daemon is already running on ${config.dataDir} (lock ${paths.lock}); stop it first or use another BERTH_DATA_DIR`,
    );
  }
  const cleanups: Array<() => Promise<void> | void> = [() => lock.release()];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };

  try {
    const handle: DbHandle = openDatabase(paths.database);
    cleanups.push(() => handle.close());
    const applied = await migrateToLatest(handle.db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

    const runtime = new DockerRuntime(config.docker, { logger: logger.child({ component: 'docker' }) });
    await runtime.start();
    cleanups.push(() => runtime.stop());

    const sessionStore = new SqliteSessionStore(handle.db);
    const scheduler = new Scheduler(logger.child({ component: 'jobs' }));
    cleanups.push(() => scheduler.stop());
    const sweep = sessionSweepJob(sessionStore);
    await scheduler.runSafely(sweep);
    scheduler.add(sweep);
    const app = await buildApp({
      config,
      db: handle.db,
      runtime,
      logger,
      sessionStore,
      loginThrottle: new LoginThrottle(),
      sessionSecret: readOrCreateSecret(paths.sessionSecret),
      version: VERSION,
    });
    cleanups.push(() => app.close());
    await app.listen({ port: config.panelPort, host: config.panelHost });
    logger.info({ url: config.publicUrl, version: VERSION, dataDir: config.dataDir }, 'berth panel listening');

    const setupToken = await issueSetupToken(handle.db);
    const setupUrl = setupToken ? `${config.publicUrl}/setup?token=${setupToken}` : undefined;
    if (setupUrl) logger.info({ setupUrl }, 'this Berth is unclaimed: open the setup URL to create the first admin');

    return { app, logger, setupUrl, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
