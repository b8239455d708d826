/**
 * Composition root, first half: what the app proxy needs to serve traffic again soon after a restart
 * (routes, custom domains and HTTPS, traffic recording, deploys, kept logs). Builds, never listens or starts:
 * main.ts does that, in order. The second half (src/compose/panel.ts) builds the rest and the AppContext.
 * No feature constructs another; they are all assembled here and in panel.ts.
 */
import { join } from 'node:path';
import { AuditLog } from '../audit/audit-log.js';
import { deployAuditListener } from '../audit/deploy-audit.js';
import { ServiceBuilder } from '../build/builder.js';
import type { Config } from '../config.js';
import { dataPaths } from '../data-dir.js';
import type { Db } from '../db/connection.js';
import { DEFAULT_TIMING } from '../deploys/deploy-context.js';
import { DeploySystem } from '../deploys/deploy-system.js';
import { composeKubernetesDatabases, composeKubernetesPlacement } from './kubernetes-parts.js';
import type { PushedCommits, Router } from '../deploys/ports.js';
import {
  createDomainRouter,
  createDomainsFeature,
  servedDomainsOf,
  type DomainsFeature,
} from '../domains/domains-feature.js';
import { PushedSources } from '../git/pushed-source.js';
import { RepoStore } from '../git/repo-store.js';
import { KeptLogs } from '../kept-logs/kept-logs.service.js';
import { LogKeeper } from '../kept-logs/log-keeper.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Logger } from '../logger.js';
import { createServiceCatalog } from '../projects/service-catalog.js';
import { repositoryOwnerOf } from '../projects/services.repository.js';
import { databaseReferences } from '../databases/references.js';
import { EventBus, type EventPublisher } from '../events/event-bus.js';
import { RouteTable } from '../proxy/route-table.js';
import { RemoteRouteTable } from '../proxy/process/remote-route-table.js';
import type { Runtime } from '../runtime/runtime.js';
import { fetchGitSource } from '../source/git-fetch.js';
import { DEFAULT_CERTIFICATE_TIMING, HttpsSystem, type CertificateTiming } from '../tls/https-system.js';
import { TrafficFeature } from '../traffic/traffic.service.js';
import { listVolumesOfService } from '../volumes/volumes.repository.js';

/** What main.ts (or a test) has made before composing: the state database, the engine, the secrets. */
export interface Foundation {
  config: Config;
  db: Db;
  runtime: Runtime;
  secretBox: SecretBox;
  logger: Logger;
  installId: string;
}

export interface CoreOptions {
  /** Custom domains and HTTPS (default on; some HTTP tests build the app without them). */
  https?: boolean;
  certificateTiming?: Partial<CertificateTiming>;
}

export interface Core {
  foundation: Foundation;
  /** The proxy's route table (hostnames → upstreams). */
  routes: RouteTable;
  /** Certificates, the host policy and the HTTPS listener; absent when built without HTTPS. */
  https: HttpsSystem | undefined;
  /** Custom domains (router, rules, DNS check, certificates); absent when built without HTTPS. */
  domains: DomainsFeature | undefined;
  traffic: TrafficFeature;
  deploys: DeploySystem;
  repos: RepoStore;
  pushedSources: PushedSources;
  /** Keeps runtime logs per deployment (start()/stop() by main.ts). */
  logKeeper: LogKeeper;
  keptLogs: KeptLogs;
  /** What changed, for the panel's live pages (src/events/event-bus.ts). */
  events: EventBus;
  /** Who changed what (src/audit); made here so the git remote, started before the panel, records pushes. */
  audit: AuditLog;
}

export function composeCore(foundation: Foundation, options: CoreOptions = {}): Core {
  const { config, db, runtime, secretBox, logger, installId } = foundation;
  // In process mode the table also sends every change to the proxy process (src/proxy/process/).
  const routes = config.proxyProcess.mode === 'process' ? new RemoteRouteTable() : new RouteTable();
  const events = new EventBus((error) => logger.warn({ err: error }, 'an event listener failed'));
  let domains: DomainsFeature | undefined;
  let https: HttpsSystem | undefined;
  if (options.https ?? true) {
    const router = createDomainRouter(routes);
    https = new HttpsSystem(
      config,
      db,
      routes,
      servedDomainsOf(db, router, () => domains!.domains.reload()),
      logger.child({ component: 'tls' }),
      { ...DEFAULT_CERTIFICATE_TIMING, ...options.certificateTiming },
      events,
    );
    domains = createDomainsFeature({ db, config, router, https });
  }
  const traffic = new TrafficFeature(db, logger.child({ component: 'traffic' }));
  const repos = new RepoStore(config.dataDir);
  const pushedSources = new PushedSources(repos);
  const pushed: PushedCommits = {
    exportCommit: (project, service, sha, dir) => pushedSources.exportCommit(project, service, sha, dir),
    describeCommit: (project, service, sha) => pushedSources.describeCommit(project, service, sha),
    // A preview's (or staging's) copy of a pushed service reads production's repository: its branch there.
    branchTip: async (project, service, branch, serviceId) =>
      repos.branchTip(project, service, branch, await repositoryOwnerOf(db, serviceId)),
  };
  const audit = new AuditLog(db, logger.child({ component: 'audit' }));
  // Deploy events go to the live pages (the bus) and to the audit log (started by a push or webhook, ended).
  const auditDeploy = deployAuditListener(audit, {
    deployment: (id) => deploys.get(id).catch(() => undefined),
    service: async (id) => {
      const found = await deploys.findService(id);
      return found && { name: found.service.name, projectId: found.project.id };
    },
  });
  const deployEvents: EventPublisher = {
    publish: (event) => {
      events.publish(event);
      auditDeploy(event);
    },
  };
  const deploys = createDeploySystem({
    config,
    db,
    runtime,
    secretBox,
    routes,
    router: domains?.router,
    logger,
    pushed,
    events: deployEvents,
    installId,
  });
  const logKeeper = new LogKeeper({
    db,
    runtime,
    logger: logger.child({ component: 'kept-logs' }),
    // The same secrets deployment logs hide (not every variable value: plain configuration stays readable).
    secretsOf: async (serviceId) =>
      deploys.deps.catalog.secretValues(serviceId, await deploys.deps.catalog.resolveVariables(serviceId)),
    installId,
  });
  return {
    foundation,
    routes,
    https,
    domains,
    traffic,
    deploys,
    repos,
    pushedSources,
    logKeeper,
    keptLogs: new KeptLogs(db),
    events,
    audit,
  };
}

/** Wires the deploy feature to its neighbours (projects, source, build, proxy). */
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
  /** Deployment phase changes go out here (the panel's live pages). */
  events?: EventPublisher;
  /** Stamped on the cluster's objects (BERTH_SCHEDULER=kubernetes). */
  installId?: string;
}): DeploySystem {
  const { config, db, runtime, secretBox, routes, logger, pushed, events } = parts;
  const router = parts.router ?? routes;
  const paths = dataPaths(config.dataDir);
  const builder = new ServiceBuilder(runtime, config);
  return new DeploySystem(
    {
      config,
      db,
      runtime,
      catalog: createServiceCatalog(
        db,
        secretBox,
        databaseReferences(secretBox, composeKubernetesDatabases(config, parts.installId)),
      ),
      fetcher: {
        fetchGit: (options) =>
          fetchGitSource({
            ...options,
            policy: { allowPrivate: config.allowPrivateSources },
            sshKnownHostsFile: join(config.dataDir, 'secrets', 'ssh_known_hosts'),
          }),
      },
      builder: { build: (options) => builder.build(options) },
      router,
      logger: logger.child({ component: 'deploys' }),
      buildsDir: paths.builds,
      timing: { ...DEFAULT_TIMING, stabilisationMs: config.stabilisationMs, drainTimeoutMs: config.drainTimeoutMs },
      secretBox,
      pushed,
      events,
      volumes: { volumesOf: (serviceId) => listVolumesOfService(db, serviceId) },
      placement: composeKubernetesPlacement(config, router, logger, parts.installId),
    },
    paths.deploymentLogs,
    routes,
  );
}
