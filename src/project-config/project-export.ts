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
  type FileService,
  type FileVariable,
  type ProjectFile,
} from './project-file.js';

export const EXPORTED_ENVIRONMENT = 'production';

/** What plan and apply need beside the file: the ids behind each name. */
export interface ProjectState {
  file: ProjectFile;
  serviceIds: Map<string, string>;
  databaseIds: Map<string, string>;
  /** Domain ids by `<service>/<hostname>`. */
  domainIds: Map<string, string>;
  /** The services' build args as stored (secret values too: never exported, kept by apply). */
  buildArgs: Map<string, Record<string, string>>;
}

export async function readProjectState(ports: ProjectConfigPorts, projectId: string): Promise<ProjectState> {
  const project = await ports.projects.get(projectId);
  const environment = project.environments.find((e) => e.name === EXPORTED_ENVIRONMENT);
  const apps = (await ports.projects.listServices(projectId)).filter((s) => s.environmentId === environment?.id);
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
  const all = (await ports.databases.list(projectId)).filter((d) => d.environmentId === environment?.id);
  for (const database of sortByName(all)) {
    const version = tagOf(database.image);
    databases[database.name] = {
      engine: database.engine,
      ...(version ? { version } : {}),
      resources: compact({ memoryMb: database.memoryMb ?? undefined, cpus: database.cpus ?? undefined }),
      backup: { schedule: database.backupSchedule, keep: database.backupKeep },
    };
  }
  const file: ProjectFile = {
    $schema: PROJECT_SCHEMA_ID,
    version: PROJECT_FILE_VERSION,
    project: project.name,
    environment: EXPORTED_ENVIRONMENT,
    services,
    databases,
  };
  return {
    file,
    serviceIds: new Map(apps.map((s) => [s.name, s.id])),
    databaseIds: new Map(all.map((d) => [d.name, d.id])),
    domainIds,
    buildArgs: new Map(apps.map((s) => [s.name, { ...s.build.buildArgs }])),
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
