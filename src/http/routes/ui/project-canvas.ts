/**
 * What the project canvas shows: one tile per app, per database and per compose stack (stack-tile.ts),
 * each with a status in words (and a colour from the same word), the app's URL and last deploy, and the lines between an app and the
 * databases its variables refer to (`${{db.DATABASE_URL}}`, src/databases/references.ts).
 */
import { findReferences } from '../../../projects/variable-references.js';
import type { DatabaseView } from '../../../databases/database-view.js';
import type { Deployment } from '../../../deploys/deployment.types.js';
import type { ServiceState } from '../../../deploys/service-state.js';
import { summarizeSource, toServiceView } from '../../../projects/service-view.js';
import type { AppService, Environment } from '../../../projects/service.types.js';
import { AppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { stackTiles } from './stack-tile.js';
import type { TileStatus } from './tile-status.js';

export type { TileStatus } from './tile-status.js';

const BUILDING = new Set(['queued', 'fetching', 'building']);
const DEPLOYING = new Set(['releasing', 'starting', 'healthy', 'watching']);

/** An app's status: a deploy under way wins, then what the engine says of the active release. */
export function appTileStatus(
  latest: Deployment | undefined,
  state: Pick<ServiceState, 'state' | 'activeDeploymentId' | 'running' | 'total' | 'problem'>,
): TileStatus {
  if (latest && BUILDING.has(latest.status)) return 'building';
  if (latest && DEPLOYING.has(latest.status)) return 'deploying';
  if (state.activeDeploymentId) {
    if (state.state === 'crashed') return 'crashed';
    if (!state.problem && state.total > 0 && state.running === 0) return 'stopped';
    return 'active';
  }
  if (latest && latest.status === 'failed') return 'failed';
  return 'not deployed';
}

export function databaseTileStatus(database: Pick<DatabaseView, 'status' | 'health'>): TileStatus {
  if (database.status === 'creating') return 'deploying';
  if (database.status === 'failed' || database.health === 'unhealthy') return 'failed';
  if (database.status === 'stopped') return 'stopped';
  if (database.status === 'running' && (database.health === 'missing' || database.health === 'none')) return 'crashed';
  return 'active';
}

export interface AppTile {
  id: string;
  name: string;
  url: string;
  sourceType: string;
  sourceSummary: string;
  status: TileStatus;
  /** The deployment under way (its page follows the log). */
  runningDeploymentId: string | null;
  lastDeploy: Pick<
    Deployment,
    'id' | 'status' | 'commit' | 'triggeredBy' | 'trigger' | 'createdAt' | 'startedAt'
  > | null;
  /** Names of the project's databases this app's variables refer to. */
  uses: string[];
  domains: string[];
}

/** What a tile is made of, read for one service or for a whole project at once. */
interface TileFacts {
  latest: Deployment | undefined;
  state: Parameters<typeof appTileStatus>[1];
  variables: Record<string, string>;
  domains: string[];
}

function tileOf(
  ctx: AppContext,
  service: AppService,
  project: { name: string; environments: Environment[] },
  databaseNames: Set<string>,
  facts: TileFacts,
): AppTile {
  const { latest, state } = facts;
  const referenced = Object.values(facts.variables).flatMap((value) => findReferences(value).map((r) => r.service));
  const view = toServiceView(service, project.name, ctx.config, project.environments);
  return {
    id: service.id,
    name: service.name,
    url: view.url,
    sourceType: service.source.type,
    sourceSummary: summarizeSource(service.source),
    status: appTileStatus(latest, state),
    runningDeploymentId: latest && (BUILDING.has(latest.status) || DEPLOYING.has(latest.status)) ? latest.id : null,
    lastDeploy: latest ?? null,
    uses: [...new Set(referenced.filter((name) => databaseNames.has(name)))],
    domains: facts.domains,
  };
}

/** One app's tile alone (the live refresh of a tile). */
export async function appTile(ctx: AppContext, serviceId: string): Promise<AppTile> {
  const service = await ctx.projects.getService(serviceId);
  const project = await ctx.projects.get(service.projectId);
  const databases = (await ctx.databases.databases.list(project.id)).filter(
    (d) => d.environmentId === service.environmentId,
  );
  const [deployments, state, variables] = await Promise.all([
    ctx.deploys.list(service.id),
    ctx.deploys.state(service.id),
    ctx.variables.read(service.id),
  ]);
  const domains = ctx.https ? (await ctx.https.domains.list(service.id)).map((d) => d.hostname) : [];
  return tileOf(ctx, service, project, new Set(databases.map((d) => d.name)), {
    latest: deployments[0],
    state,
    variables,
    domains,
  });
}

/** The canvas of one environment (`?env=<name>`, production when absent): its apps and databases only. */
export async function projectCanvas(ctx: AppContext, projectId: string, environmentName?: string) {
  const project = await ctx.projects.get(projectId);
  const environments = await ctx.environments.list(project.id);
  const environment = environments.find((e) => e.name === (environmentName || 'production'));
  if (!environment)
    throw new AppError('NOT_FOUND', `The project has no environment "${String(environmentName).slice(0, 63)}".`);
  const databases = (await ctx.databases.databases.list(project.id)).filter((d) => d.environmentId === environment.id);
  const names = new Set(databases.map((d) => d.name));
  // A fixed number of queries and one engine call whatever the number of apps (bench:panel, 50 services).
  const apps = (await ctx.projects.listServices(project.id)).filter((s) => s.environmentId === environment.id);
  const ids = apps.map((service) => service.id);
  const [overview, variables, domains, stacks] = await Promise.all([
    ctx.deploys.overviewOf(project.id, ids),
    ctx.variables.readMany(ids),
    ctx.https ? ctx.https.domains.listByService(ids) : undefined,
    // Project-wide compose stacks are shown on production's canvas; a duplicate's copies on their environment's.
    stackTiles(ctx, project.id, environment.isProduction ? null : environment.id),
  ]);
  const services = apps.map((service) =>
    tileOf(ctx, service, project, names, {
      latest: overview.get(service.id)?.newest,
      state: overview.get(service.id)?.state ?? {
        state: 'not-deployed',
        activeDeploymentId: null,
        running: 0,
        total: 0,
        problem: null,
      },
      variables: variables.get(service.id) ?? {},
      domains: (domains?.get(service.id) ?? []).map((d) => d.hostname),
    }),
  );
  const databaseTiles = databases.map((d) => ({ ...d, tileStatus: databaseTileStatus(d) }));
  const byName = new Map(databases.map((d) => [d.name, d.id]));
  const links = services.flatMap((s) => s.uses.map((name) => ({ from: s.id, to: byName.get(name)!, database: name })));
  return { project, services, databases: databaseTiles, stacks, links, environments, environment };
}
