/**
 * The database writes of one environment's part of a project file, inside the apply's one transaction
 * (apply-project.ts): services and their settings and build args, variables, domain rows, worker replicas,
 * database rows and backup schedules. Each AppError is named by its path in the file
 * ("environments.staging.services.web.variables: …"); what is not a database write (containers, routes,
 * certificates, timers, scaling, prune deletes) is returned as effects for after the commit.
 */
import { AppError, isAppError } from '../errors.js';
import { settingsPatchOf } from './check-project-file.js';
import { buildArgsToWrite, patchFor, type Change } from './plan-project.js';
import type { ProjectConfigPorts, TransactionPorts } from './project-config.ports.js';
import type { ScopeState } from './project-export.js';
import type { FileDatabase, FileScope, FileService } from './project-file.js';

/** Work to do once the transaction has committed, with what it is about (for a note when it fails). */
export type Effect = { path: string; run: () => Promise<unknown> };

export interface ScopeWrite {
  ports: ProjectConfigPorts;
  tx: TransactionPorts;
  projectId: string;
  environment: string;
  /** "" for production, "environments.staging." for another environment: names errors by file path. */
  prefix: string;
  current: FileScope;
  desired: FileScope;
  ids: ScopeState;
  /** This environment's changes, paths relative to it ("web.replicas"). */
  changes: Change[];
  effects: Effect[];
}

export async function writeScope(s: ScopeWrite): Promise<void> {
  const { tx, ports, effects } = s;
  const paths = (kind: Change['kind'], action: Change['action']) =>
    s.changes.filter((c) => c.kind === kind && c.action === action && !c.skipped).map((c) => c.path);

  for (const name of paths('service', 'create')) {
    const service = s.desired.services[name]!;
    const patch = withBuildArgs(settingsPatchOf(service), service, {});
    const input = { name, environment: s.environment, source: service.source, ...patch };
    const created = await at(s, `services.${name}`, () => tx.projects.createService(s.projectId, input));
    s.ids.serviceIds.set(name, created.id);
  }
  for (const [name, service] of Object.entries(s.desired.services)) {
    const id = s.ids.serviceIds.get(name)!;
    const existing = s.current.services[name];
    if (existing) await updateService(s, id, name, existing, service);
    await applyVariables(s, id, name);
    await applyDomains(s, id, name);
    for (const change of s.changes.filter((c) => c.kind === 'process' && c.path.startsWith(`${name}.`))) {
      const type = change.path.slice(`${name}.processes.`.length);
      await at(s, `services.${change.path}`, () => tx.storeReplicas(id, type, change.new));
      effects.push({
        path: `${s.prefix}services.${change.path}`,
        run: () => ports.workers.setReplicas(id, type, change.new),
      });
    }
  }
  for (const name of paths('database', 'create')) {
    const database = s.desired.databases[name]!;
    const input = {
      name,
      environment: s.environment,
      engine: database.engine,
      version: database.version,
      ...database.resources,
    };
    const id = await at(s, `databases.${name}`, () => tx.insertDatabase(s.projectId, input));
    s.ids.databaseIds.set(name, id);
    effects.push({ path: `${s.prefix}databases.${name}`, run: async () => ports.databases.provisionCreated(id) });
    if (database.backup) await schedule(s, id, name, database.backup);
  }
  for (const [name, database] of Object.entries(s.desired.databases)) {
    if (!s.current.databases[name]) continue;
    const id = s.ids.databaseIds.get(name)!;
    const touched = (prefix: string) => s.changes.some((c) => c.path.startsWith(`${name}.${prefix}`));
    if (touched('backup.')) await schedule(s, id, name, database.backup!);
    if (touched('resources')) {
      // Limits are container settings: the container is recreated (and the limits stored) after commit.
      const limits = { memoryMb: database.resources?.memoryMb ?? null, cpus: database.resources?.cpus ?? null };
      const run = () => ports.databases.updateSettings(id, limits);
      effects.push({ path: `${s.prefix}databases.${name}.resources`, run });
    }
  }
  for (const name of paths('service', 'delete')) {
    const id = s.ids.serviceIds.get(name)!;
    const run = () => ports.lifecycle.deleteService(id, { confirm: name });
    effects.push({ path: `${s.prefix}services.${name}`, run });
  }
  for (const name of paths('database', 'delete')) {
    const id = s.ids.databaseIds.get(name)!;
    const run = () => ports.databases.remove(id, { confirm: name, deleteVolume: false });
    effects.push({ path: `${s.prefix}databases.${name}`, run });
  }
}

/** Runs `work`; an AppError from it is named by its path in the file (its code, and so its status, stays). */
export async function at<T>(s: Pick<ScopeWrite, 'prefix'>, path: string, work: () => Promise<T>): Promise<T> {
  const full = `${s.prefix}${path}`;
  try {
    return await work();
  } catch (error) {
    if (!isAppError(error)) throw error;
    throw new AppError(error.code, `${full}: ${error.message}`, { details: { [full]: error.message } });
  }
}

async function schedule(s: ScopeWrite, id: string, name: string, backup: NonNullable<FileDatabase['backup']>) {
  await at(s, `databases.${name}.backup.schedule`, () => s.tx.storeSchedule(id, backup));
  s.effects.push({
    path: `${s.prefix}databases.${name}.backup.schedule`,
    run: () => s.ports.backups.setSchedule(id, backup),
  });
}

/** The patch with the file's whole build args set (secret ones with the server's values), when it gives one. */
function withBuildArgs(
  patch: Record<string, unknown>,
  service: FileService,
  serverValues: Record<string, string>,
): Record<string, unknown> {
  if (service.build?.buildArgs === undefined) return patch;
  const build = { ...(patch.build as Record<string, unknown>), buildArgs: buildArgsToWrite(service, serverValues) };
  return { ...patch, build };
}

async function updateService(s: ScopeWrite, id: string, name: string, existing: FileService, service: FileService) {
  const changed = s.changes.some((c) => c.kind === 'setting' && c.path.startsWith(`${name}.`));
  if (!changed) return;
  const sourceChanged = s.changes.some((c) => c.path.startsWith(`${name}.source.`));
  const patch = withBuildArgs(patchFor(existing, service), service, s.ids.buildArgs.get(name) ?? {});
  await at(s, `services.${name}`, () =>
    s.tx.projects.updateServiceSettings(id, sourceChanged ? { source: service.source, ...patch } : patch),
  );
}

async function applyVariables(s: ScopeWrite, id: string, name: string) {
  const prefix = `${name}.variables.`;
  const ofService = s.changes.filter((c) => c.kind === 'variable' && c.path.startsWith(prefix) && !c.skipped);
  const writes = ofService
    .filter((c) => c.action !== 'delete')
    .map((c): [string, unknown] => [c.path.slice(prefix.length), c.new]);
  if (writes.length > 0) await at(s, `services.${name}.variables`, () => s.tx.variables.set(id, writes));
  for (const change of ofService.filter((c) => c.action === 'delete')) {
    await at(s, `services.${change.path}`, () => s.tx.variables.remove(id, change.path.slice(prefix.length)));
  }
}

async function applyDomains(s: ScopeWrite, id: string, name: string) {
  const prefix = `${name}.domains.`;
  const ofService = s.changes.filter((c) => c.kind === 'domain' && c.path.startsWith(prefix) && !c.skipped);
  if (ofService.length === 0) return;
  const added: string[] = [];
  const removed: string[] = [];
  for (const change of ofService) {
    const hostname = change.path.slice(prefix.length);
    const path = `services.${name}.domains.${hostname}`;
    const domainId = s.ids.domainIds.get(`${name}/${hostname}`)!;
    if (change.action === 'create') added.push(await at(s, path, () => s.tx.domains!.insert(id, hostname)));
    else removed.push(...(await at(s, path, () => s.tx.domains!.remove(domainId))));
  }
  const run = () => s.ports.domains!.publish(id, added, removed);
  s.effects.push({ path: `${s.prefix}services.${name}.domains`, run });
}
