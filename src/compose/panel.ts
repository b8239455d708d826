/**
 * Composition root, second half: managed databases, lifecycle, metrics, alerts, auth, webhooks, and the
 * AppContext the HTTP layer gets. Loaded by main.ts after the proxy listens (the panel is most of what there
 * is to load); tests build the same app through it (test/helpers/http-app.ts). Builds, never starts.
 */
import { composeEnvironments } from './environments.js';
import { composePreviews } from './previews.js';
import type { PreviewsFeature } from '../previews/previews-feature.js';
import { join } from 'node:path';
import { createAlertMetricsReader } from '../alert-metrics-reader.js';
import { AlertsFeature } from '../alerts/alerts-feature.js';
import type { MetricsReader } from '../alerts/metrics-port.js';
import { AccessChanges } from '../auth/access-changes.js';
import { createAuthFacade } from '../auth/auth.facade.js';
import { createSsoFacade } from '../auth/sso.facade.js';
import { createTwoFactorFacade } from '../auth/two-factor.facade.js';
import { createPasskeysFacade } from '../auth/passkeys.facade.js';
import { LoginThrottle, type ThrottleLimits } from '../auth/login-throttle.js';
import { CliLogins, DEFAULT_CLI_LOGIN_LIMITS, type CliLoginLimits } from '../auth/cli-logins.js';
import { SqliteSessionStore } from '../auth/session-store.js';
import type { Config } from '../config.js';
import { dataPaths } from '../data-dir.js';
import { createCronFeature } from '../cron/cron-feature.js';
import type { CronService } from '../cron/cron.service.js';
import { WorkersService } from '../workers/workers.service.js';
import { composeKubernetesCron, composeKubernetesDatabases } from './kubernetes-parts.js';
import { createDatabaseFeature, type DatabaseFeature } from '../databases/database-feature.js';
import { composeProjectConfig } from './project-config.js';
import type { DeploySystem } from '../deploys/deploy-system.js';
import { findActiveDeployment } from '../deploys/deployments.repository.js';
import { createEngineStatus } from '../doctor/engine-status.js';
import type { DomainsFeature } from '../domains/domains-feature.js';
import type { GitRemote } from '../git/git-remote.js';
import type { RepoStore } from '../git/repo-store.js';
import { createSshKeysFacade } from '../git/ssh-keys.facade.js';
import type { AppContext } from '../http/context.js';
import type { Scheduler } from '../jobs/scheduler.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import { createMetricsFeature, type MetricsFeature } from '../metrics/metrics-feature.js';
import { createProjectsFacade, createVariablesFacade } from '../projects/projects.facade.js';
import { createUpgradeFacade } from '../upgrade/upgrade.facade.js';
import { createHooksFacade } from '../webhooks/hooks.facade.js';
import { WebhookReceiver } from '../webhooks/webhook-receiver.js';
import { currentVolumeMounts, routeServiceAgain } from '../deploys/volume-deploy-mode.js';
import { volumeBackupsDir } from '../volumes/backup-files.js';
import { createVolumesFeature, type VolumesFeature } from '../volumes/volumes-feature.js';
import type { Core } from './core.js';
import { composeStacks, composeTemplates } from './stacks.js';
import { composeAutoscaler } from './autoscale.js';
import type { Autoscaler } from '../autoscale/autoscaler.js';
import type { StacksService } from '../stacks/stacks.service.js';

export interface PanelOptions {
  scheduler: Scheduler;
  sessionSecret: string;
  version: string;
  /** The built-in git remote, once main.ts started it (absent in tests that do not need it). */
  git?: GitRemote;
  throttle?: ThrottleLimits;
  /** `berth login` approval limits and clock (tests shorten or move time). */
  cliLogin?: { limits?: Partial<CliLoginLimits>; now?: () => number };
  /** First retry delay of a failed notification (doubles per attempt). */
  alertRetryBaseMs?: number;
  /** CPU, memory and 5xx numbers for the alert rules (default: the metrics and traffic features). */
  metrics?: MetricsReader;
}

export interface Panel {
  ctx: AppContext;
  sessionStore: SqliteSessionStore;
  databases: DatabaseFeature;
  lifecycle: Lifecycle;
  alerts: AlertsFeature;
  metrics: MetricsFeature;
  /** Cron jobs of app services (start() schedules them: main.ts). */
  cron: CronService;
  /** Named volumes of app services and their backups. */
  volumes: VolumesFeature;
  /** Compose stacks (restoreRoutes() after a restart: main.ts). */
  stacks: StacksService;
  /** The autoscaler's loop (start/stop: main.ts). */
  autoscale: Autoscaler;
  /** Preview environments (startSweeper() deletes expired ones: main.ts). */
  previews: PreviewsFeature;
}

export function composePanel(core: Core, options: PanelOptions): Panel {
  const { config, db, runtime, secretBox, logger, installId } = core.foundation;
  const databases = createDatabaseFeature(
    {
      config,
      db,
      runtime,
      secretBox,
      logger: logger.child({ component: 'databases' }),
      events: core.events,
      cluster: composeKubernetesDatabases(config, installId),
    },
    options.scheduler,
  );
  const volumes = createVolumesFeature({
    scheduler: config.scheduler,
    db,
    runtime,
    logger: logger.child({ component: 'volumes' }),
    backupsDir: volumeBackupsDir(config.dataDir),
    helperImage: config.volumeHelperImage,
    routeAgain: (serviceId) => routeServiceAgain(core.deploys.deps, serviceId),
    installId,
  });
  const stacks = composeStacks(core);
  const lifecycle = createLifecycle({
    config,
    deploys: core.deploys,
    databases,
    installId,
    domains: core.domains,
    repos: core.repos,
    volumes,
    stacks,
  });
  const metrics = createMetricsFeature({
    db,
    runtime,
    dataDir: config.dataDir,
    logger: logger.child({ component: 'metrics' }),
  });
  const alerts = new AlertsFeature({
    db,
    runtime,
    secretBox,
    logger: logger.child({ component: 'alerts' }),
    dataDir: config.dataDir,
    panelDomain: config.panelDomain,
    panelUrl: config.publicUrl,
    allowPrivateDestinations: config.allowPrivateSources,
    checkIntervalMs: config.alertCheckIntervalMs,
    metrics: options.metrics ?? createAlertMetricsReader(metrics.service, core.traffic),
    retryBaseMs: options.alertRetryBaseMs,
  });
  const cron = composeCron(core, options.scheduler);
  const autoscale = composeAutoscaler({
    db,
    config,
    secretBox,
    logger,
    deploys: core.deploys,
    metrics: metrics.service,
    traffic: core.traffic,
  });
  const environments = composeEnvironments(core, databases, lifecycle, { cron, volumes, stacks });
  const previews = composePreviews(core, environments, stacks);
  options.git?.usePreviews(previews);
  const templates = composeTemplates(config, stacks);
  const sessionStore = new SqliteSessionStore(db);
  // One notifier for every change of someone's access (members pages, API, single sign-on).
  const accessChanges = new AccessChanges((error) => logger.warn({ err: error }, 'an access-change listener failed'));
  const auth = createAuthFacade(db, accessChanges);
  const ctx: AppContext = {
    config,
    logger,
    sessionStore,
    loginThrottle: new LoginThrottle(options.throttle),
    sessionSecret: options.sessionSecret,
    version: options.version,
    auth,
    cliLogins: new CliLogins(
      async (userId, name) => {
        const { token } = await auth.createApiToken(userId, name);
        return { token, email: (await auth.findUserById(userId))?.email ?? '' };
      },
      { ...DEFAULT_CLI_LOGIN_LIMITS, ...options.cliLogin?.limits },
      options.cliLogin?.now,
    ),
    twoFactor: createTwoFactorFacade({ db, secretBox }),
    // WebAuthn binds passkeys to the panel's public host: they work there only (HTTPS, or localhost).
    passkeys: createPasskeysFacade({
      db,
      rp: { id: new URL(config.publicUrl).hostname, name: 'Berth', origin: new URL(config.publicUrl).origin },
    }),
    sso: createSsoFacade({
      db,
      secretBox,
      policy: { allowPrivate: config.allowPrivateSources },
      redirectUri: new URL('/login/sso/callback', config.publicUrl).href,
      audit: core.audit,
      changes: accessChanges,
    }),
    projects: createProjectsFacade(db, secretBox, config),
    variables: createVariablesFacade(db, secretBox, databases),
    sshKeys: createSshKeysFacade(db),
    engine: createEngineStatus(runtime),
    upgrade: createUpgradeFacade(config, runtime, db),
    deploys: core.deploys,
    webhooks: new WebhookReceiver({ db, secretBox, deploys: core.deploys, logger, previews }),
    hooks: createHooksFacade(db, secretBox, config),
    git: options.git,
    https: core.domains,
    databases,
    lifecycle,
    projectConfig: composeProjectConfig({ db, config, secretBox, databases, domains: core.domains, core, lifecycle }),
    alerts,
    traffic: core.traffic,
    keptLogs: core.keptLogs,
    metrics,
    events: core.events,
    audit: core.audit,
    cron,
    workers: new WorkersService(core.deploys.deps),
    autoscale,
    volumes,
    stacks,
    templates,
    environments,
    previews,
  };
  return { ctx, sessionStore, databases, lifecycle, alerts, metrics, cron, volumes, stacks, autoscale, previews };
}

/** Cron runs use the service's current deployment image, its variables and its volumes, as the deploys see them. */
function composeCron(core: Core, scheduler: Scheduler): CronService {
  const { db, runtime, logger } = core.foundation;
  const catalog = core.deploys.deps.catalog;
  return createCronFeature({
    db,
    runtime,
    scheduler,
    schedulerName: core.foundation.config.scheduler,
    cluster: composeKubernetesCron(core.foundation.config, core.deploys.deps),
    logger: logger.child({ component: 'cron' }),
    isApp: async (serviceId) => (await catalog.findService(serviceId)) !== undefined,
    source: {
      workloadOf: async (serviceId) => {
        const found = await catalog.findService(serviceId);
        const image = found && (await findActiveDeployment(db, serviceId))?.image;
        if (!found || !image) return undefined;
        return {
          project: { id: found.project.id, networkName: found.project.networkName },
          service: { id: serviceId, resources: found.service.resources },
          image,
          env: await catalog.resolveVariables(serviceId),
          volumes: await currentVolumeMounts(core.deploys.deps, { projectId: found.project.id, serviceId }),
        };
      },
      secretsOf: async (serviceId) => catalog.secretValues(serviceId, await catalog.resolveVariables(serviceId)),
    },
  });
}

/** Wires deletes and orphan clean-up to the features whose objects they remove. */
export function createLifecycle(parts: {
  config: Config;
  deploys: DeploySystem;
  databases: DatabaseFeature;
  installId: string;
  domains?: DomainsFeature;
  repos?: RepoStore;
  volumes?: VolumesFeature;
  stacks?: StacksService;
}): Lifecycle {
  const { config, deploys, databases, domains, repos, stacks } = parts;
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
    domains: domains && {
      forget: (serviceId, hostnames) => {
        domains.router.setDomains(serviceId, []);
        domains.certificates.domainsRemoved(hostnames);
      },
    },
    repos: repos && {
      pathOf: (project, service, serviceId) =>
        repos.belongsTo(project, service, serviceId) ? repos.pathOf(project, service) : undefined,
      projectDir: (project) => join(repos.root, project),
    },
    volumes: parts.volumes && { removeAllOf: (serviceId) => parts.volumes!.volumes.removeAllOf(serviceId) },
    stacks: stacks && { removeAllOf: (projectId) => stacks.removeAllOf(projectId) },
    cluster: deploys.deps.placement?.cleanup,
    appsDomain: config.appsDomain,
    buildsDir: paths.builds,
    deploymentLogsDir: paths.deploymentLogs,
    certsDir: join(config.dataDir, 'certs'),
    drainTimeoutMs: deploys.deps.timing.drainTimeoutMs,
    stopTimeoutSeconds: deploys.deps.timing.stopTimeoutSeconds,
    installId: parts.installId,
  });
}
