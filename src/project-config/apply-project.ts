/**
 * Applies a checked project file whose plan the caller has seen: refused (CONFLICT, nothing written) when
 * the server changed since (the plan hash differs). All database writes (services and their settings,
 * variables, domain rows, database rows, backup schedules, worker replicas, the applied file) happen in
 * ONE transaction, through the same code as the routes, which checks every value again there (variable
 * references, schedules against the minimum interval, names and hostnames against what exists). A
 * failure anywhere rolls everything back and is named by its path ("databases.db.backup.schedule: …").
 * Only after the commit come the side effects: database containers, routes and certificates, backup
 * timers, worker scaling, and the deletes prune asks for (databases keep their volume). A side effect
 * that fails then is reported in the plan's notes (the saved state stays; the panel can retry it).
 * Secret variables are never written.
 */
import type { Executor } from '../db/executor.js';
import { AppError, isAppError } from '../errors.js';
import type { ProjectConfigPorts, TransactionPorts } from './project-config.ports.js';
import type { FileService, ProjectFile } from './project-file.js';
import { settingsPatchOf } from './check-project-file.js';
import type { ProjectState } from './project-export.js';
import { buildArgsToWrite, patchFor, planProject, type Change, type Plan } from './plan-project.js';

/** Work to do once the transaction has committed, with what it is about (for a note when it fails). */
type Effect = { path: string; run: () => Promise<unknown> };

export async function applyProjectFile(
  ports: ProjectConfigPorts,
  projectId: string,
  state: ProjectState,
  file: ProjectFile,
  options: { prune: boolean; expectPlanHash: string },
  save: (executor: Executor) => Promise<void>,
): Promise<Plan> {
  const plan = planProject(state.file, file, options.prune);
  if (plan.planHash !== options.expectPlanHash) {
    throw new AppError(
      'CONFLICT',
      'The project changed since this plan was made (or the file or prune differ): run plan again and apply its hash.',
      { details: { expectPlanHash: 'stale' } },
    );
  }
  if (plan.changes.some((c) => c.kind === 'domain' && !c.skipped) && !ports.domains) {
    throw new AppError('CONFLICT', 'This server runs without custom domains: the file cannot change them.');
  }
  const ids = { services: new Map(state.serviceIds), databases: new Map(state.databaseIds) };
  const effects = await ports.transaction(async (tx, executor) => {
    const after = await writeAll(ports, tx, projectId, state, file, plan, ids);
    await save(executor);
    return after;
  });
  for (const effect of effects) {
    try {
      await effect.run();
    } catch (error) {
      if (!isAppError(error)) throw error;
      plan.notes.push(`${effect.path}: saved, but not done yet: ${error.message}`);
    }
  }
  return plan;
}

async function writeAll(
  ports: ProjectConfigPorts,
  tx: TransactionPorts,
  projectId: string,
  state: ProjectState,
  file: ProjectFile,
  plan: Plan,
  ids: { services: Map<string, string>; databases: Map<string, string> },
): Promise<Effect[]> {
  const effects: Effect[] = [];
  const paths = (kind: Change['kind'], action: Change['action']) =>
    plan.changes.filter((c) => c.kind === kind && c.action === action && !c.skipped).map((c) => c.path);

  for (const name of paths('service', 'create')) {
    const service = file.services[name]!;
    const patch = withBuildArgs(settingsPatchOf(service), service, {});
    const created = await at(`services.${name}`, () =>
      tx.projects.createService(projectId, { name, source: service.source, ...patch }),
    );
    ids.services.set(name, created.id);
  }
  for (const [name, service] of Object.entries(file.services)) {
    const id = ids.services.get(name)!;
    const existing = state.file.services[name];
    if (existing) await updateService(tx, id, name, existing, service, plan, state.buildArgs.get(name) ?? {});
    await applyVariables(tx, id, name, plan);
    await applyDomains(ports, tx, state, id, name, plan, effects);
    for (const change of plan.changes.filter((c) => c.kind === 'process' && c.path.startsWith(`${name}.`))) {
      const type = change.path.slice(`${name}.processes.`.length);
      await at(`services.${change.path}`, () => tx.storeReplicas(id, type, change.new));
      effects.push({ path: `services.${change.path}`, run: () => ports.workers.setReplicas(id, type, change.new) });
    }
  }
  for (const name of paths('database', 'create')) {
    const database = file.databases[name]!;
    const input = { name, engine: database.engine, version: database.version, ...database.resources };
    const id = await at(`databases.${name}`, () => tx.insertDatabase(projectId, input));
    ids.databases.set(name, id);
    effects.push({ path: `databases.${name}`, run: async () => ports.databases.provisionCreated(id) });
    if (database.backup) await schedule(ports, tx, id, `databases.${name}.backup`, database.backup, effects);
  }
  for (const [name, database] of Object.entries(file.databases)) {
    if (!state.file.databases[name]) continue;
    const id = ids.databases.get(name)!;
    const touched = (prefix: string) => plan.changes.some((c) => c.path.startsWith(`${name}.${prefix}`));
    if (touched('backup.')) await schedule(ports, tx, id, `databases.${name}.backup`, database.backup!, effects);
    if (touched('resources')) {
      // Limits are container settings: the container is recreated (and the limits stored) after commit.
      const limits = { memoryMb: database.resources?.memoryMb ?? null, cpus: database.resources?.cpus ?? null };
      effects.push({ path: `databases.${name}.resources`, run: () => ports.databases.updateSettings(id, limits) });
    }
  }
  for (const name of paths('service', 'delete')) {
    const id = ids.services.get(name)!;
    effects.push({ path: `services.${name}`, run: () => ports.lifecycle.deleteService(id, { confirm: name }) });
  }
  for (const name of paths('database', 'delete')) {
    const id = ids.databases.get(name)!;
    const run = () => ports.databases.remove(id, { confirm: name, deleteVolume: false });
    effects.push({ path: `databases.${name}`, run });
  }
  return effects;
}

/** Runs `work`; an AppError from it is named by `path` (its code, and so its HTTP status, stays). */
async function at<T>(path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isAppError(error)) throw error;
    throw new AppError(error.code, `${path}: ${error.message}`, { details: { [path]: error.message } });
  }
}

async function schedule(
  ports: ProjectConfigPorts,
  tx: TransactionPorts,
  id: string,
  path: string,
  backup: NonNullable<ProjectFile['databases'][string]['backup']>,
  effects: Effect[],
) {
  await at(`${path}.schedule`, () => tx.storeSchedule(id, backup));
  effects.push({ path: `${path}.schedule`, run: () => ports.backups.setSchedule(id, backup) });
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

async function updateService(
  tx: TransactionPorts,
  id: string,
  name: string,
  existing: FileService,
  service: FileService,
  plan: Plan,
  serverBuildArgs: Record<string, string>,
) {
  const changed = plan.changes.some((c) => c.kind === 'setting' && c.path.startsWith(`${name}.`));
  if (!changed) return;
  const sourceChanged = plan.changes.some((c) => c.path.startsWith(`${name}.source.`));
  const patch = withBuildArgs(patchFor(existing, service), service, serverBuildArgs);
  await at(`services.${name}`, () =>
    tx.projects.updateServiceSettings(id, sourceChanged ? { source: service.source, ...patch } : patch),
  );
}

async function applyVariables(tx: TransactionPorts, id: string, name: string, plan: Plan) {
  const prefix = `${name}.variables.`;
  const ofService = plan.changes.filter((c) => c.kind === 'variable' && c.path.startsWith(prefix) && !c.skipped);
  const writes = ofService
    .filter((c) => c.action !== 'delete')
    .map((c): [string, unknown] => [c.path.slice(prefix.length), c.new]);
  if (writes.length > 0) await at(`services.${name}.variables`, () => tx.variables.set(id, writes));
  for (const change of ofService.filter((c) => c.action === 'delete')) {
    await at(`services.${change.path}`, () => tx.variables.remove(id, change.path.slice(prefix.length)));
  }
}

async function applyDomains(
  ports: ProjectConfigPorts,
  tx: TransactionPorts,
  state: ProjectState,
  id: string,
  name: string,
  plan: Plan,
  effects: Effect[],
) {
  const prefix = `${name}.domains.`;
  const ofService = plan.changes.filter((c) => c.kind === 'domain' && c.path.startsWith(prefix) && !c.skipped);
  if (ofService.length === 0) return;
  const added: string[] = [];
  const removed: string[] = [];
  for (const change of ofService) {
    const hostname = change.path.slice(prefix.length);
    const path = `services.${name}.domains.${hostname}`;
    if (change.action === 'create') added.push(await at(path, () => tx.domains!.insert(id, hostname)));
    else removed.push(...(await at(path, () => tx.domains!.remove(state.domainIds.get(`${name}/${hostname}`)!))));
  }
  effects.push({ path: `services.${name}.domains`, run: () => ports.domains!.publish(id, added, removed) });
}
