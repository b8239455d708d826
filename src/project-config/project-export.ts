/**
 * The project as a berth.project.json, read from the server: the production environment's app services
 * (settings, worker replicas, variables, domains) and databases. Secret variables (marked secret, or named
 * like one: *_TOKEN, *PASSWORD*, ...) and build args named like one appear as `{"secret": true}`; git
 * credentials are never part of the file. Keys are sorted so the same state gives the same text.
 */
import { createHash } from 'node:crypto';
import { isSecretName } from '../projects/variables.secrets.js';
import type { AppService } from '../projects/service.types.js';
import type { ProjectConfigPorts } from './project-config.ports.js';
import {
  PROJECT_FILE_VERSION,
  PROJECT_SCHEMA_ID,
  type FileDatabase,
  type FileScope,
  type FileService,
  type FileVariable,
  type ProjectFile,
} from './project-file.js';

export const EXPORTED_ENVIRONMENT = 'production';

/** What plan and apply need beside one environment's part of the file: the ids behind each name. */
export interface ScopeState {
  /** Undefined for an environment the file names that does not exist yet. */
  environmentId: string | undefined;
  serviceIds: Map<string, string>;
  databaseIds: Map<string, string>;
  /** Domain ids by `<service>/<hostname>`. */
  domainIds: Map<string, string>;
  /** The services' build args as stored (secret values too: never exported, kept by apply). */
  buildArgs: Map<string, Record<string, string>>;
}

/** The server as a file, with production's ids at the top and every other standard environment's by name. */
export interface ProjectState extends ScopeState {
  file: ProjectFile;
  others: Map<string, ScopeState>;
  /** Preview environments: made by pushes, not by the file (which may not name them). */
  previews: Set<string>;
}

export async function readProjectState(ports: ProjectConfigPorts, projectId: string): Promise<ProjectState> {
  const project = await ports.projects.get(projectId);
  const previewIds = await ports.previewEnvironmentIds(projectId);
  const allApps = await ports.projects.listServices(projectId);
  const allDatabases = await ports.databases.list(projectId);
  const scopes = new Map<string, { scope: FileScope; ids: ScopeState }>();
  for (const environment of sortByName(project.environments.filter((e) => !previewIds.has(e.id)))) {
    const apps = allApps.filter((s) => s.environmentId === environment.id);
    const databases = allDatabases.filter((d) => d.environmentId === environment.id);
    scopes.set(environment.name, await readScope(ports, environment.id, apps, databases));
  }
  const production = scopes.get(EXPORTED_ENVIRONMENT) ?? (await readScope(ports, undefined, [], []));
  const others = [...scopes].filter(([name]) => name !== EXPORTED_ENVIRONMENT);
  const file: ProjectFile = {
    $schema: PROJECT_SCHEMA_ID,
    version: PROJECT_FILE_VERSION,
    project: project.name,
    environment: EXPORTED_ENVIRONMENT,
    ...production.scope,
    ...(others.length > 0 ? { environments: Object.fromEntries(others.map(([name, s]) => [name, s.scope])) } : {}),
  };
  return {
    file,
    ...production.ids,
    others: new Map(others.map(([name, s]) => [name, s.ids])),
    previews: new Set(project.environments.filter((e) => previewIds.has(e.id)).map((e) => e.name)),
  };
}

async function readScope(
  ports: ProjectConfigPorts,
  environmentId: string | undefined,
  apps: AppService[],
  all: Array<Awaited<ReturnType<ProjectConfigPorts['databases']['list']>>[number]>,
): Promise<{ scope: FileScope; ids: ScopeState }> {
  const domains = ports.domains ? await ports.domains.listByService(apps.map((s) => s.id)) : new Map();
  const services: Record<string, FileService> = {};
  const domainIds = new Map<string, string>();
  for (const app of sortByName(apps)) {
    const hostnames: string[] = [];
    for (const domain of domains.get(app.id) ?? []) {
      if (domain.redirectTo !== null) continue; // A www/apex twin follows its main name.
      hostnames.push(domain.hostname);
      domainIds.set(`${app.name}/${domain.hostname}`, domain.id);
    }
    services[app.name] = await exportService(ports, app, hostnames.sort());
  }
  const databases: Record<string, FileDatabase> = {};
  for (const database of sortByName(all)) {
    const version = tagOf(database.image);
    databases[database.name] = {
      engine: database.engine,
      ...(version ? { version } : {}),
      resources: compact({ memoryMb: database.memoryMb ?? undefined, cpus: database.cpus ?? undefined }),
      backup: { schedule: database.backupSchedule, keep: database.backupKeep },
    };
  }
  const ids: ScopeState = {
    environmentId,
    serviceIds: new Map(apps.map((s) => [s.name, s.id])),
    databaseIds: new Map(all.map((d) => [d.name, d.id])),
    domainIds,
    buildArgs: new Map(apps.map((s) => [s.name, { ...s.build.buildArgs }])),
  };
  return { scope: { services, databases }, ids };
}

/** The ids of an environment the file creates: none yet. */
export function emptyScopeState(): ScopeState {
  return {
    environmentId: undefined,
    serviceIds: new Map(),
    databaseIds: new Map(),
    domainIds: new Map(),
    buildArgs: new Map(),
  };
}

async function exportService(ports: ProjectConfigPorts, app: AppService, domains: string[]): Promise<FileService> {
  const keys = await ports.variables.listKeys(app.id);
  const values = await ports.variables.read(app.id);
  const variables: Record<string, FileVariable> = {};
  for (const { key, secret } of keys) {
    variables[key] = secret || isSecretName(key) ? { secret: true } : values[key]!;
  }
  const processes = Object.fromEntries(
    (await ports.workers.list(app.id)).processes.map((p) => [p.type, p.replicas] as const).sort(),
  );
  const { source } = app;
  const { buildArgs, builder: _perDeploy, ...build } = app.build;
  const args = Object.entries(buildArgs ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, value]): [string, FileVariable] => [key, isSecretName(key) ? { secret: true } : value]);
  return {
    source:
      source.type === 'git'
        ? { type: 'git', url: source.url, branch: source.branch }
        : source.type === 'image'
          ? { type: 'image', image: source.image }
          : { type: 'push', branch: source.branch },
    build: compact({ ...build, ...(args.length > 0 ? { buildArgs: Object.fromEntries(args) } : {}) }),
    port: app.port,
    healthcheck: app.healthcheck,
    replicas: app.replicas,
    resources: compact({ ...app.resources }),
    releaseCommand: app.releaseCommand,
    startCommand: app.startCommand ?? null,
    processes,
    variables,
    domains,
  };
}

/** The tag of an image reference ("postgres:16" → "16"), or undefined. */
function tagOf(image: string): string | undefined {
  const withoutDigest = image.split('@')[0]!;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(colon + 1) : undefined;
}

function sortByName<T extends { name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.name.localeCompare(b.name));
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  ) as T;
}

/** A stable text of any JSON value: keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
