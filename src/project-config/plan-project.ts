/**
 * The difference between the server's project (as exported) and a project file: a list of changes per
 * object and field, old → new for everything but secrets (which never appear). Pure: the same two files
 * always give the same plan. A top-level setting a service in the file leaves out is not managed (left
 * alone); `build` and `resources`, when given, are the whole object. A service or database, a variable or a
 * domain the file leaves out is deleted only with prune; the plan lists it either way, saying so.
 */
import { applySettingsPatch, type ServiceSettings } from '../projects/service-settings.js';
import { settingsPatchOf } from './check-project-file.js';
import { canonicalJson, hashOf } from './project-export.js';
import type { FileDatabase, FileScope, FileService, ProjectFile } from './project-file.js';

export type ChangeAction = 'create' | 'update' | 'delete';

export interface Change {
  action: ChangeAction;
  kind: 'environment' | 'service' | 'database' | 'variable' | 'domain' | 'process' | 'setting';
  /** What it is about: "web", "web.replicas", "web.variables.LOG_LEVEL", "db.backup.schedule". */
  path: string;
  old?: unknown;
  new?: unknown;
  /** A delete that apply skips without prune. */
  skipped?: boolean;
}

export interface Plan {
  changes: Change[];
  /** Things apply cannot do from this file, in words (a secret not set on the server, an unknown process). */
  notes: string[];
  /** Of the server state and the file: apply with another hash is refused (409). */
  planHash: string;
}

const SETTING_FIELDS = [
  'port',
  'healthcheck',
  'build',
  'resources',
  'replicas',
  'releaseCommand',
  'startCommand',
] as const;

export function planProject(
  current: ProjectFile,
  desired: ProjectFile,
  prune: boolean,
  previews: ReadonlySet<string> = new Set(),
): Plan {
  const notes: string[] = [];
  const changes = planScope(current, desired, prune, notes);
  for (const [name, scope] of Object.entries(desired.environments ?? {})) {
    const prefix = `environments.${name}.`;
    if (previews.has(name) || name === 'production') {
      notes.push(
        `environments.${name}: ${name === 'production' ? 'production is the top level of the file' : 'a preview (made by pushes) is not managed by the file'}`,
      );
      continue;
    }
    const had = current.environments?.[name];
    if (!had) changes.push({ action: 'create', kind: 'environment', path: name });
    const scoped: string[] = [];
    const inScope = planScope(had ?? { services: {}, databases: {} }, scope, prune, scoped);
    changes.push(...inScope.map((change) => ({ ...change, path: `${prefix}${change.path}` })));
    notes.push(...scoped.map((note) => `${prefix}${note}`));
  }
  if (desired.environments !== undefined) {
    for (const name of Object.keys(current.environments ?? {}).filter((n) => !(n in desired.environments!))) {
      notes.push(`environments.${name} is not in the file: left alone (delete an environment from the panel or API)`);
    }
  }
  return { changes, notes, planHash: hashOf({ server: current, file: desired, prune }) };
}

/** One environment's changes, with paths relative to it ("web.replicas"); `notes` gets what apply cannot do. */
export function planScope(current: FileScope, desired: FileScope, prune: boolean, notes: string[]): Change[] {
  const changes: Change[] = [];
  for (const [name, service] of Object.entries(desired.services)) {
    const existing = current.services[name];
    if (!existing) {
      changes.push({ action: 'create', kind: 'service', path: name });
      changes.push(...buildArgChanges(name, emptyService(), service, notes));
      changes.push(...serviceChildren(name, emptyService(), service, prune, notes));
    } else {
      changes.push(...serviceUpdates(name, existing, service));
      changes.push(...buildArgChanges(name, existing, service, notes));
      changes.push(...serviceChildren(name, existing, service, prune, notes));
    }
  }
  for (const name of Object.keys(current.services)) {
    if (!(name in desired.services)) changes.push(deletion('service', name, prune));
  }
  for (const [name, database] of Object.entries(desired.databases)) {
    const existing = current.databases[name];
    if (!existing) changes.push({ action: 'create', kind: 'database', path: name, new: database.engine });
    else changes.push(...databaseUpdates(name, existing, database, notes));
  }
  for (const name of Object.keys(current.databases)) {
    if (!(name in desired.databases)) changes.push(deletion('database', name, prune));
  }
  return changes;
}

function emptyService(): FileService {
  return { source: { type: 'push', branch: 'main' }, variables: {}, domains: [], processes: {} };
}

function deletion(kind: Change['kind'], path: string, prune: boolean): Change {
  return prune ? { action: 'delete', kind, path } : { action: 'delete', kind, path, skipped: true };
}

/** The update route's patch for the file's settings: `build` and `resources` whole (left-out keys cleared). */
export function patchFor(existing: FileService, service: FileService): Record<string, unknown> {
  const current = settingsOf(existing);
  const patch = settingsPatchOf(service);
  for (const field of ['build', 'resources'] as const) {
    const given = patch[field] as Record<string, unknown> | undefined;
    if (given === undefined) continue;
    const cleared = Object.keys(current[field]).filter((key) => !(key in given));
    patch[field] = { ...given, ...Object.fromEntries(cleared.map((key) => [key, null])) };
  }
  return patch;
}

/** The settings after the file's patch, by the same code as the update route (build and resources whole). */
export function settingsAfter(existing: FileService, service: FileService): ServiceSettings {
  return applySettingsPatch(settingsOf(existing), patchFor(existing, service));
}

function settingsOf(service: FileService): ServiceSettings {
  return {
    port: service.port ?? null,
    healthcheck: (service.healthcheck ?? {
      type: 'http',
      path: '/',
      expectedStatus: 200,
      timeoutSeconds: 60,
    }) as ServiceSettings['healthcheck'],
    build: withoutBuildArgs(service.build),
    resources: { ...(service.resources ?? {}) },
    replicas: service.replicas ?? 1,
    releaseCommand: service.releaseCommand ?? null,
    startCommand: service.startCommand ?? null,
  };
}

function withoutBuildArgs(build: FileService['build']): ServiceSettings['build'] {
  const { buildArgs: _own, ...rest } = build ?? {};
  return rest;
}

/**
 * Build args, when the file gives them, are the whole set: literal values compare old → new; a secret one
 * (`{"secret": true}`) keeps the server's value and never shows it; one the file leaves out is removed.
 */
function buildArgChanges(name: string, existing: FileService, service: FileService, notes: string[]): Change[] {
  const wanted = service.build?.buildArgs;
  if (wanted === undefined) return [];
  const had = existing.build?.buildArgs ?? {};
  const changes: Change[] = [];
  for (const [key, value] of Object.entries(wanted)) {
    const path = `${name}.build.buildArgs.${key}`;
    if (typeof value !== 'string') {
      if (!(key in had)) notes.push(`${path} is secret and not set on the server: set its value in the panel or API`);
      continue;
    }
    if (!(key in had)) changes.push({ action: 'create', kind: 'setting', path, new: value });
    else if (had[key] !== value) {
      const old = had[key];
      changes.push(
        typeof old === 'string'
          ? { action: 'update', kind: 'setting', path, old, new: value }
          : { action: 'update', kind: 'setting', path, new: value },
      );
    }
  }
  for (const key of Object.keys(had).filter((key) => !(key in wanted))) {
    changes.push({ action: 'delete', kind: 'setting', path: `${name}.build.buildArgs.${key}` });
  }
  return changes;
}

/** The whole build args set apply writes: the file's literal values, and the server's for secret ones. */
export function buildArgsToWrite(service: FileService, serverValues: Record<string, string>): Record<string, string> {
  const args: Record<string, string> = {};
  for (const [key, value] of Object.entries(service.build?.buildArgs ?? {})) {
    if (typeof value === 'string') args[key] = value;
    else if (serverValues[key] !== undefined) args[key] = serverValues[key];
  }
  return args;
}

function serviceUpdates(name: string, existing: FileService, service: FileService): Change[] {
  const changes: Change[] = [];
  if (canonicalJson(existing.source) !== canonicalJson(service.source)) {
    changes.push(...leafChanges(`${name}.source`, existing.source, service.source));
  }
  const before = settingsOf(existing);
  const after = settingsAfter(existing, service);
  for (const field of SETTING_FIELDS) changes.push(...leafChanges(`${name}.${field}`, before[field], after[field]));
  return changes;
}

function serviceChildren(name: string, existing: FileService, service: FileService, prune: boolean, notes: string[]) {
  const changes: Change[] = [];
  if (service.variables !== undefined) {
    const had = existing.variables ?? {};
    for (const [key, value] of Object.entries(service.variables)) {
      const path = `${name}.variables.${key}`;
      if (typeof value !== 'string') {
        if (!(key in had)) notes.push(`${path} is secret and not set on the server: set its value in the panel or API`);
        continue;
      }
      if (!(key in had)) changes.push({ action: 'create', kind: 'variable', path, new: value });
      else if (had[key] !== value)
        changes.push({ action: 'update', kind: 'variable', path, old: had[key], new: value });
    }
    for (const key of Object.keys(had)) {
      if (!(key in service.variables)) changes.push(deletion('variable', `${name}.variables.${key}`, prune));
    }
  }
  if (service.domains !== undefined) {
    const had = new Set(existing.domains ?? []);
    for (const hostname of service.domains) {
      if (!had.has(hostname)) changes.push({ action: 'create', kind: 'domain', path: `${name}.domains.${hostname}` });
    }
    for (const hostname of had) {
      if (!service.domains.includes(hostname)) changes.push(deletion('domain', `${name}.domains.${hostname}`, prune));
    }
  }
  for (const [type, replicas] of Object.entries(service.processes ?? {})) {
    const had = existing.processes?.[type];
    const path = `${name}.processes.${type}`;
    if (had === undefined) notes.push(`${path}: the service's release has no process type "${type}" (deploy it first)`);
    else if (had !== replicas) changes.push({ action: 'update', kind: 'process', path, old: had, new: replicas });
  }
  return changes;
}

function databaseUpdates(name: string, existing: FileDatabase, database: FileDatabase, notes: string[]): Change[] {
  if (existing.engine !== database.engine)
    notes.push(`${name}.engine: a database's engine cannot change (${existing.engine} stays)`);
  if (database.version !== undefined && existing.version !== database.version) {
    notes.push(
      `${name}.version: upgrade a database from its page (the version stays ${existing.version ?? 'as it is'})`,
    );
  }
  const changes: Change[] = [];
  if (database.resources !== undefined) {
    changes.push(...leafChanges(`${name}.resources`, existing.resources ?? {}, database.resources));
  }
  if (database.backup !== undefined) {
    const schedule = database.backup.schedule === '' ? null : database.backup.schedule;
    changes.push(...leafChanges(`${name}.backup.schedule`, existing.backup?.schedule ?? null, schedule));
    if (database.backup.keep !== undefined) {
      changes.push(...leafChanges(`${name}.backup.keep`, existing.backup?.keep, database.backup.keep));
    }
  }
  return changes;
}

/** One change per differing leaf ("web.healthcheck.path"), or one for the whole value when it is not an object. */
function leafChanges(path: string, before: unknown, after: unknown): Change[] {
  if (canonicalJson(before) === canonicalJson(after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => leafChanges(`${path}.${key}`, before[key], after[key]));
  }
  return [{ action: 'update', kind: 'setting', path, old: before ?? null, new: after ?? null }];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One line per change: `+ service web`, `~ web.replicas 1 → 2`, `- database old`. */
export function describeChange(change: Change): string {
  const sign = change.action === 'create' ? '+' : change.action === 'update' ? '~' : '-';
  const isObjectLevel = change.kind === 'service' || change.kind === 'database' || change.kind === 'environment';
  const subject = isObjectLevel ? `${change.kind} ${change.path}` : change.path;
  const values =
    change.action === 'update'
      ? ` ${JSON.stringify(change.old)} → ${JSON.stringify(change.new)}`
      : change.action === 'create' && (change.kind === 'variable' || change.kind === 'setting')
        ? ` = ${JSON.stringify(change.new)}`
        : '';
  return `${sign} ${subject}${values}${change.skipped ? ' (kept: apply deletes only with prune)' : ''}`;
}
