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
import { dataPaths, ensureDataDir, readOrCreateInstallId, readOrCreateSecret } from './data-dir.js';
import { openDatabase, tryExclusiveLock, type DbHandle } from './db/connection.js';
import { migrateToLatest } from './db/migrate.js';
import { startWalCheckpoints } from './db/wal-checkpoint.js';
import { AppError, isAppError } from './errors.js';
import { missingEngineMessage, readHostFacts } from './doctor/engine-setup.js';
import { createAccessLogger, createLogger, type Logger } from './logger.js';
import { Scheduler } from './jobs/scheduler.js';
import { SecretBox } from './lib/secret-box.js';
import { DockerRuntime } from './runtime/docker.js';
import { VERSION } from './version.js';
import { join } from 'node:path';
import { ServiceBuilder } from './build/builder.js';
import type { Db } from './db/connection.js';
import { DEFAULT_TIMING } from './deploys/deploy-context.js';
import { DeploySystem } from './deploys/deploy-system.js';
import { restoreRoutes } from './deploys/route-restore.js';
import { createServiceCatalog } from './projects/service-catalog.js';
import { databaseReferences } from './databases/references.js';
import { AppProxy } from './proxy/proxy-server.js';
import { RouteTable } from './proxy/route-table.js';
import type { Runtime } from './runtime/runtime.js';
import { fetchGitSource } from './source/git-fetch.js';
import type { PushedCommits, Router } from './deploys/ports.js';
import { PushedSources } from './git/pushed-source.js';
import { RepoStore } from './git/repo-store.js';
import { DEFAULT_CERTIFICATE_TIMING, HttpsSystem, type CertificateTiming } from './tls/https-system.js';
import type { DatabaseFeature } from './databases/database-feature.js';
import { Lifecycle } from './lifecycle/lifecycle.js';
import { AlertsFeature } from './alerts/alerts-feature.js';
import type { MetricsReader } from './alerts/metrics-port.js';
import { createAlertMetricsReader } from './alert-metrics-reader.js';

const ENGINE_RECHECK_MS = 2000;
import { TrafficFeature } from './traffic/traffic.service.js';
import { LogKeeper } from './kept-logs/log-keeper.js';
import { KeptLogs } from './kept-logs/kept-logs.service.js';
import { createMetricsFeature, scheduleMetrics } from './metrics/metrics-feature.js';

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

/** Wires the deploy feature to its neighbours (projects, source, build, proxy). Exported for tests. */
export function createDeploySystem(parts: {
  config: Config;
  db: Db;
  runtime: Runtime;
  secretBox: SecretBox;
  routes: RouteTable;
  /** The router deploys switch traffic through (default: the route table; the daemon adds custom domains). */
  router?: Router;
  logger: Logger;
  /** Commits pushed to Berth's git remote (src/git); without it, push deployments fail with a clear reason. */
  pushed?: PushedCommits;
}): DeploySystem {
  const { config, db, runtime, secretBox, routes, logger, pushed } = parts;
  const paths = dataPaths(config.dataDir);
  const builder = new ServiceBuilder(runtime, config);
  return new DeploySystem(
    {
      config,
      db,
      runtime,
      catalog: createServiceCatalog(db, secretBox, databaseReferences(secretBox)),
      fetcher: {
        fetchGit: (options) =>
          fetchGitSource({
            ...options,
            policy: { allowPrivate: config.allowPrivateSources },
            sshKnownHostsFile: join(config.dataDir, 'secrets', 'ssh_known_hosts'),
          }),
      },
      builder: { build: (options) => builder.build(options) },
      router: parts.router ?? routes,
      logger: logger.child({ component: 'deploys' }),
      buildsDir: paths.builds,
      timing: { ...DEFAULT_TIMING, stabilisationMs: config.stabilisationMs, drainTimeoutMs: config.drainTimeoutMs },
      secretBox,
      pushed,
    },
    paths.deploymentLogs,
    routes,
  );
}

/** Wires deletes and orphan clean-up to the features whose objects they remove. Exported for tests. */
export function createLifecycle(parts: {
  config: Config;
  deploys: DeploySystem;
  databases: DatabaseFeature;
  installId: string;
  https?: HttpsSystem;
  repos?: RepoStore;
}): Lifecycle {
  const { config, deploys, databases, https, repos } = parts;
  const paths = dataPaths(config.dataDir);
  return new Lifecycle({
    db: deploys.deps.db,
    runtime: deploys.deps.runtime,
    logger: deploys.deps.logger.child({ component: 'lifecycle' }),
    router: deploys.deps.router,
    deployments: { cancel: (id) => deploys.queue.cancel(id) },
    databases: {
      list: (projectId) => databases.databases.list(projectId),
      isBusy: (id) => databases.databases.isBusy(id),
      remove: async (id, name, deleteVolume) => {
        await databases.databases.remove(id, { confirm: name, deleteVolume });
        await databases.backups.forget(id);
      },
    },
    domains: https && {
      forget: (serviceId, hostnames) => {
        https.router.setDomains(serviceId, []);
        https.certificates.domainsRemoved(hostnames);
      },
    },
    repos: repos && {
      pathOf: (project, service, serviceId) =>
        repos.belongsTo(project, service, serviceId) ? repos.pathOf(project, service) : undefined,
      projectDir: (project) => join(repos.root, project),
    },
    appsDomain: config.appsDomain,
    buildsDir: paths.builds,
    deploymentLogsDir: paths.deploymentLogs,
    certsDir: join(config.dataDir, 'certs'),
    drainTimeoutMs: deploys.deps.timing.drainTimeoutMs,
    stopTimeoutSeconds: deploys.deps.timing.stopTimeoutSeconds,
    installId: parts.installId,
  });
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
    const routes = new RouteTable();
    const https = new HttpsSystem(config, handle.db, routes, logger.child({ component: 'tls' }), {
      ...DEFAULT_CERTIFICATE_TIMING,
      ...options.certificateTiming,
    });
    cleanups.push(() => https.close());
    const traffic = new TrafficFeature(handle.db, logger.child({ component: 'traffic' }));
    traffic.start();
    // Registered before the proxy's close, so it runs after it: the last requests are written too.
    cleanups.push(() => traffic.stop());
    const { accessLog, ...proxySettings } = config.proxy;
    const proxy = new AppProxy(routes, {
      logger: logger.child({ component: 'proxy' }),
      accessLog: accessLog && createAccessLogger(),
      settings: proxySettings,
      challengeResponder: https.certificates.challengeResponder,
      hostPolicy: https.hostPolicy,
      observer: traffic.observer,
    });
    cleanups.push(() => proxy.close());
    const repos = new RepoStore(config.dataDir);
    const pushedSources = new PushedSources(repos);
    const pushed: PushedCommits = {
      exportCommit: (project, service, sha, dir) => pushedSources.exportCommit(project, service, sha, dir),
      describeCommit: (project, service, sha) => pushedSources.describeCommit(project, service, sha),
      branchTip: (project, service, branch, serviceId) => repos.branchTip(project, service, branch, serviceId),
    };
    await https.load();
    const deploys = createDeploySystem({
      config,
      db: handle.db,
      runtime,
      secretBox,
      routes,
      router: https.router,
      logger,
      pushed,
    });
    cleanups.push(() => deploys.stop());
    const logKeeper = new LogKeeper({
      db: handle.db,
      runtime,
      logger: logger.child({ component: 'kept-logs' }),
      // The same secrets deployment logs hide (not every variable value: plain configuration stays readable).
      secretsOf: async (serviceId) =>
        deploys.deps.catalog.secretValues(serviceId, await deploys.deps.catalog.resolveVariables(serviceId)),
      installId,
    });
    logKeeper.start();
    cleanups.push(() => logKeeper.stop());
    // Routes first, then accept: a known app never answers 404 while the daemon starts.
    await restoreRoutes(deploys.deps).catch((error: unknown) => {
      // Without an engine there is nothing to route to yet; recovery sets the routes once it answers.
      if (isAppError(error) && error.code === 'DOCKER_UNAVAILABLE') return;
      logger.error({ err: error }, 'could not restore the routes of active deployments before listening');
    });
    await proxy.listenHttp(config.httpPort, config.proxyHost).catch((error: Error) => {
      // The panel stays useful without the proxy (e.g. a first start as a normal user on port 80).
      logger.error({ port: config.httpPort, reason: error.message }, 'the app proxy is not listening');
    });
    await https.listen(proxy);
    // Loaded only now, so the proxy is back sooner after a restart (the panel, git and databases are most
    // of what there is to load).
    const [{ buildApp }, { startGitFeature }, { createDatabaseFeature }] = await Promise.all([
      import('./http/app.js'),
      import('./git/git-feature.js'),
      import('./databases/database-feature.js'),
    ]);
    const gitFeature = await startGitFeature({ config, db: handle.db, deploys, repos, sources: pushedSources, logger });
    cleanups.push(() => gitFeature.close());
    const git = gitFeature.git;
    await deploys.recover().catch(recoverLater('deployments', () => deploys.recover()));

    const sessionStore = new SqliteSessionStore(handle.db);
    const scheduler = new Scheduler(logger.child({ component: 'jobs' }));
    cleanups.push(() => scheduler.stop());
    const sweep = sessionSweepJob(sessionStore);
    await scheduler.runSafely(sweep);
    scheduler.add(sweep);
    scheduler.add(https.checkJob());
    const databases = createDatabaseFeature(
      { config, db: handle.db, runtime, secretBox, logger: logger.child({ component: 'databases' }) },
      scheduler,
    );
    cleanups.push(() => databases.close());
    await databases.recover().catch(recoverLater('databases', () => databases.recover()));
    const lifecycle = createLifecycle({ config, deploys, databases, installId, https, repos });
    // After both recoveries: what they adopted has an owner; what is left of deleted owners goes.
    const reconcile = lifecycle.reconcileJob();
    await scheduler.runSafely(reconcile);
    scheduler.add(reconcile);
    const metrics = createMetricsFeature({
      db: handle.db,
      runtime,
      dataDir: config.dataDir,
      logger: logger.child({ component: 'metrics' }),
    });
    scheduleMetrics(metrics, scheduler);
    const alerts = new AlertsFeature({
      db: handle.db,
      runtime,
      secretBox,
      logger: logger.child({ component: 'alerts' }),
      dataDir: config.dataDir,
      panelDomain: config.panelDomain,
      panelUrl: config.publicUrl,
      allowPrivateDestinations: config.allowPrivateSources,
      checkIntervalMs: config.alertCheckIntervalMs,
      metrics: options.metrics ?? createAlertMetricsReader(metrics.service, traffic),
      retryBaseMs: options.alertRetryBaseMs,
    });
    alerts.start();
    cleanups.push(() => alerts.stop());
    const app = await buildApp({
      config,
      db: handle.db,
      runtime,
      logger,
      sessionStore,
      loginThrottle: new LoginThrottle(),
      sessionSecret: readOrCreateSecret(paths.sessionSecret),
      secretBox,
      deploys,
      https,
      databases,
      lifecycle,
      alerts,
      traffic,
      keptLogs: new KeptLogs(handle.db),
      version: VERSION,
      git,
      metrics,
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
