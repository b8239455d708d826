/**
 * The daemon process: config → data dir lock → database and migrations → engine → the features (assembled
 * by the composition root, src/compose/) → listeners. Shuts down in reverse order.
 */
import type { FastifyInstance } from 'fastify';
import { sessionSweepJob } from './auth/session-sweep.job.js';
import { issueSetupToken } from './auth/setup-claim.service.js';
import type { Config } from './config.js';
import { dataPaths, ensureDataDir, readOrCreateInstallId, readOrCreateSecret } from './data-dir.js';
import { openDatabase, tryExclusiveLock, type DbHandle } from './db/connection.js';
import { migrateToLatest } from './db/migrate.js';
import { startWalCheckpoints } from './db/wal-checkpoint.js';
import { AppError, isAppError } from './errors.js';
import { missingEngineMessage, readHostFacts } from './doctor/engine-setup.js';
import { createLogger, type Logger } from './logger.js';
import { Scheduler } from './jobs/scheduler.js';
import { SecretBox } from './lib/secret-box.js';
import { DockerRuntime } from './runtime/docker.js';
import { VERSION } from './version.js';
import { restoreRoutes } from './deploys/route-restore.js';
import { startDataPlane } from './compose/data-plane.js';
import { releaseWhenRoutesRestored } from './compose/proxy-release.js';
import type { CertificateTiming } from './tls/https-system.js';
import type { MetricsReader } from './alerts/metrics-port.js';
import { scheduleMetrics } from './metrics/metrics-feature.js';
import { composeCore } from './compose/core.js';
import { loadKubernetesParts } from './compose/kubernetes-parts.js';

const ENGINE_RECHECK_MS = 2000;

/** Internal knobs for tests (not settings): e.g. certificate retry and renewal-check timing in seconds. */
export interface DaemonOptions {
  certificateTiming?: Partial<CertificateTiming>;
  /** How often the WAL is checkpointed and truncated (default: every minute). */
  walCheckpointMs?: number;
  /** First retry delay of a failed notification (doubles per attempt); default 30 s. */
  alertRetryBaseMs?: number;
  /** CPU, memory and 5xx numbers for the alert rules (the metrics and traffic features provide them). */
  metrics?: MetricsReader;
}

export interface Daemon {
  app: FastifyInstance;
  logger: Logger;
  /** The one-time setup URL while the install is unclaimed. */
  setupUrl: string | undefined;
  close(): Promise<void>;
}

export async function startDaemon(
  config: Config,
  logger: Logger = createLogger(config.logLevel, config.logFormat),
  options: DaemonOptions = {},
): Promise<Daemon> {
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
    const checkpoints = startWalCheckpoints(handle.db, logger, options.walCheckpointMs);
    cleanups.push(() => checkpoints.stop());

    const installId = readOrCreateInstallId(paths);
    const runtime = new DockerRuntime(config.docker, {
      logger: logger.child({ component: 'docker' }),
      installId,
      logRotation: config.containerLogs,
    });
    await runtime.start();
    cleanups.push(() => runtime.stop());
    const engine = runtime.state();
    // First run without an engine: one line that says how to get one (not a stack trace per feature).
    if (!engine.available) logger.warn(missingEngineMessage(engine.reason, readHostFacts()));
    /** Recovery needs the engine: when it is down, it runs once the engine answers instead of failing now. */
    const recoverLater = (what: string, work: () => Promise<unknown>) => (error: unknown) => {
      if (!isAppError(error) || error.code !== 'DOCKER_UNAVAILABLE') {
        logger.error({ err: error }, `could not recover ${what}`);
        return;
      }
      logger.info(`${what} will be recovered once the Docker engine answers`);
      const timer = setInterval(() => {
        if (!runtime.state().available) return;
        clearInterval(timer);
        work().catch((e: unknown) => logger.error({ err: e }, `could not recover ${what}`));
      }, ENGINE_RECHECK_MS);
      timer.unref();
      cleanups.push(() => clearInterval(timer));
    };

    const secretBox = new SecretBox(readOrCreateSecret(paths.masterKey));
    const foundation = { config, db: handle.db, runtime, secretBox, logger, installId };
    await loadKubernetesParts(config);
    const core = composeCore(foundation, { certificateTiming: options.certificateTiming });
    const { https, traffic, deploys, logKeeper } = core;
    if (https) cleanups.push(() => https.close());
    traffic.start();
    // Registered before the proxy's close, so it runs after it: the last requests are written too.
    cleanups.push(() => traffic.stop());
    const dataPlane = await startDataPlane(config, core, logger, traffic.observer);
    if (dataPlane.kind === 'inline') cleanups.push(() => dataPlane.proxy.close());
    await https?.load();
    cleanups.push(() => deploys.stop());
    logKeeper.start();
    cleanups.push(() => logKeeper.stop());
    // Routes first, then accept: a known app never answers 404 while the daemon starts.
    let routesRestored = true;
    await restoreRoutes(deploys.deps).catch((error: unknown) => {
      // Without an engine there is nothing to route to yet; recovery sets the routes once it answers.
      if (isAppError(error) && error.code === 'DOCKER_UNAVAILABLE') {
        routesRestored = false;
        return;
      }
      logger.error({ err: error }, 'could not restore the routes of active deployments before listening');
    });
    if (dataPlane.kind === 'inline') {
      const { proxy } = dataPlane;
      await proxy.listenHttp(config.httpPort, config.proxyHost).catch((error: Error) => {
        // The panel stays useful without the proxy (e.g. a first start as a normal user on port 80).
        logger.error({ port: config.httpPort, reason: error.message }, 'the app proxy is not listening');
      });
      await https?.listen(proxy);
    }
    // Loaded only now, so the proxy is back sooner after a restart (the panel, git and databases are most
    // of what there is to load).
    const [{ buildApp }, { startGitFeature }, { composePanel }] = await Promise.all([
      import('./http/app.js'),
      import('./git/git-feature.js'),
      import('./compose/panel.js'),
    ]);
    const gitFeature = await startGitFeature({
      config,
      db: handle.db,
      deploys,
      repos: core.repos,
      sources: core.pushedSources,
      logger,
      audit: core.audit,
    });
    cleanups.push(() => gitFeature.close());
    await deploys.recover().catch(recoverLater('deployments', () => deploys.recover()));

    const scheduler = new Scheduler(logger.child({ component: 'jobs' }));
    cleanups.push(() => scheduler.stop());
    const panel = composePanel(core, {
      scheduler,
      sessionSecret: readOrCreateSecret(paths.sessionSecret),
      version: VERSION,
      git: gitFeature.git,
      alertRetryBaseMs: options.alertRetryBaseMs,
      metrics: options.metrics,
    });
    const { databases, lifecycle, metrics, alerts } = panel;
    const sweep = sessionSweepJob(panel.sessionStore);
    await scheduler.runSafely(sweep);
    scheduler.add(sweep);
    const auditSweep = core.audit.sweepJob();
    await scheduler.runSafely(auditSweep);
    scheduler.add(auditSweep);
    if (https) scheduler.add(https.checkJob());
    cleanups.push(() => databases.close());
    await databases.recover().catch(recoverLater('databases', () => databases.recover()));
    // After both recoveries: what they adopted has an owner; what is left of deleted owners goes.
    const reconcile = lifecycle.reconcileJob();
    await scheduler.runSafely(reconcile);
    scheduler.add(reconcile);
    scheduleMetrics(metrics, scheduler);
    cleanups.push(() => panel.cron.stop());
    await panel.cron.start().catch(recoverLater('cron jobs', () => panel.cron.start()));
    const volumeBackups = panel.volumes.backups;
    await volumeBackups.recover().catch(recoverLater('volume backups', () => volumeBackups.recover()));
    await panel.stacks.restoreRoutes().catch(recoverLater('compose stacks', () => panel.stacks.restoreRoutes()));
    alerts.start();
    cleanups.push(() => alerts.stop());
    panel.autoscale.start();
    cleanups.push(() => panel.autoscale.stop());
    if (dataPlane.kind === 'process') {
      // Every route is restored (apps, domains, stacks): the proxy process gets the whole state now, and
      // until now it kept serving its last one. Closing only disconnects: the proxy outlives the daemon.
      // Without the engine there are no app routes to send: the proxy keeps its last state until there are.
      const stopWaiting = await releaseWhenRoutesRestored(
        dataPlane.remote,
        {
          engineAvailable: () => runtime.state().available,
          routesRestored,
          restore: async () => {
            await restoreRoutes(deploys.deps);
            await panel.stacks.restoreRoutes();
          },
          recheckMs: ENGINE_RECHECK_MS,
        },
        logger,
      );
      cleanups.push(() => {
        stopWaiting();
        dataPlane.remote.close();
      });
    }
    panel.previews.startSweeper();
    cleanups.push(() => panel.previews.stopSweeper());
    const app = await buildApp(panel.ctx);
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
