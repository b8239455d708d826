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
import { AppError } from './errors.js';
import { buildApp } from './http/app.js';
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
import { createServiceCatalog } from './projects/service-catalog.js';
import { createDatabaseFeature } from './databases/database-feature.js';
import { AppProxy } from './proxy/proxy-server.js';
import { RouteTable } from './proxy/route-table.js';
import type { Runtime } from './runtime/runtime.js';
import { fetchGitSource } from './source/git-fetch.js';
import type { PushedCommits, Router } from './deploys/ports.js';
import { startGitFeature } from './git/git-feature.js';
import { PushedSources } from './git/pushed-source.js';
import { RepoStore } from './git/repo-store.js';
import { DEFAULT_CERTIFICATE_TIMING, HttpsSystem, type CertificateTiming } from './tls/https-system.js';
import type { DatabaseFeature } from './databases/database-feature.js';
import { Lifecycle } from './lifecycle/lifecycle.js';
import { createMetricsFeature, scheduleMetrics } from './metrics/metrics-feature.js';

/** Internal knobs for tests (not settings): e.g. certificate retry and renewal-check timing in seconds. */
export interface DaemonOptions {
  certificateTiming?: Partial<CertificateTiming>;
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
      catalog: createServiceCatalog(db, secretBox),
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
  logger: Logger = createLogger(config.logLevel),
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

    const installId = readOrCreateInstallId(paths);
    const runtime = new DockerRuntime(config.docker, {
      logger: logger.child({ component: 'docker' }),
      installId,
      logRotation: config.containerLogs,
    });
    await runtime.start();
    cleanups.push(() => runtime.stop());

    const secretBox = new SecretBox(readOrCreateSecret(paths.masterKey));
    const routes = new RouteTable();
    const https = new HttpsSystem(config, handle.db, routes, logger.child({ component: 'tls' }), {
      ...DEFAULT_CERTIFICATE_TIMING,
      ...options.certificateTiming,
    });
    cleanups.push(() => https.close());
    const { accessLog, ...proxySettings } = config.proxy;
    const proxy = new AppProxy(routes, {
      logger: logger.child({ component: 'proxy' }),
      accessLog: accessLog && createAccessLogger(),
      settings: proxySettings,
      challengeResponder: https.certificates.challengeResponder,
      hostPolicy: https.hostPolicy,
    });
    cleanups.push(() => proxy.close());
    await proxy.listenHttp(config.httpPort, config.proxyHost).catch((error: Error) => {
      // The panel stays useful without the proxy (e.g. a first start as a normal user on port 80).
      logger.error({ port: config.httpPort, reason: error.message }, 'the app proxy is not listening');
    });
    const repos = new RepoStore(config.dataDir);
    const pushedSources = new PushedSources(repos);
    const pushed: PushedCommits = {
      exportCommit: (project, service, sha, dir) => pushedSources.exportCommit(project, service, sha, dir),
      describeCommit: (project, service, sha) => pushedSources.describeCommit(project, service, sha),
      branchTip: (project, service, branch, serviceId) => repos.branchTip(project, service, branch, serviceId),
    };
    await https.load();
    await https.listen(proxy);
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
    const gitFeature = await startGitFeature({ config, db: handle.db, deploys, repos, sources: pushedSources, logger });
    cleanups.push(() => gitFeature.close());
    const git = gitFeature.git;
    await deploys.recover().catch((error: unknown) => logger.error({ err: error }, 'could not recover deployments'));

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
    await databases.recover().catch((error: unknown) => logger.error({ err: error }, 'could not recover databases'));
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
