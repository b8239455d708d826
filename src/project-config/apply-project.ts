/**
 * Applies a checked project file whose plan the caller has seen: refused (CONFLICT, nothing written) when
 * the server changed since (the plan hash differs). Every value was checked before the first write
 * (check-project-file.ts, by the create/update routes' own rules); writes then go through the same
 * facades as those routes, object by object: service settings and their variables are each one
 * transaction there, databases and domains start their containers and routes as they do from the panel.
 * Secret variables are never written; deletes happen only with prune (databases keep their volume).
 */
import { AppError } from '../errors.js';
import type { ProjectConfigPorts } from './project-config.ports.js';
import type { FileService, ProjectFile } from './project-file.js';
import { settingsPatchOf } from './check-project-file.js';
import type { ProjectState } from './project-export.js';
import { planProject, type Change, type Plan } from './plan-project.js';

export async function applyProjectFile(
  ports: ProjectConfigPorts,
  projectId: string,
  state: ProjectState,
  file: ProjectFile,
  options: { prune: boolean; expectPlanHash: string },
): Promise<Plan> {
  const plan = planProject(state.file, file, options.prune);
  if (plan.planHash !== options.expectPlanHash) {
    throw new AppError(
      'CONFLICT',
      'The project changed since this plan was made (or the file or prune differ): run plan again and apply its hash.',
      { details: { expectPlanHash: 'stale' } },
    );
  }
  const paths = (kind: Change['kind'], action: Change['action']) =>
    plan.changes.filter((c) => c.kind === kind && c.action === action && !c.skipped).map((c) => c.path);

  for (const name of paths('service', 'create')) {
    const service = file.services[name]!;
    const created = await ports.projects.createService(projectId, {
      name,
      source: service.source,
      ...settingsPatchOf(service),
    });
    state.serviceIds.set(name, created.id);
  }
  for (const [name, service] of Object.entries(file.services)) {
    const id = state.serviceIds.get(name)!;
    const existing = state.file.services[name];
    if (existing) await updateService(ports, id, name, service, plan);
    await applyVariables(ports, id, name, plan);
    await applyDomains(ports, state, id, name, plan);
    for (const change of plan.changes.filter((c) => c.kind === 'process' && c.path.startsWith(`${name}.`))) {
      await ports.workers.setReplicas(id, change.path.slice(`${name}.processes.`.length), change.new);
    }
  }
  for (const name of paths('database', 'create')) {
    const database = file.databases[name]!;
    const created = await ports.databases.create(projectId, {
      name,
      engine: database.engine,
      version: database.version,
      ...database.resources,
    });
    state.databaseIds.set(name, created.id);
    if (database.backup) await ports.backups.setSchedule(created.id, database.backup);
  }
  for (const [name, database] of Object.entries(file.databases)) {
    if (!state.file.databases[name]) continue;
    const id = state.databaseIds.get(name)!;
    const touched = (prefix: string) => plan.changes.some((c) => c.path.startsWith(`${name}.${prefix}`));
    if (touched('resources')) {
      const limits = database.resources ?? {};
      await ports.databases.updateSettings(id, { memoryMb: limits.memoryMb ?? null, cpus: limits.cpus ?? null });
    }
    if (touched('backup.')) await ports.backups.setSchedule(id, database.backup!);
  }
  for (const name of paths('service', 'delete')) {
    await ports.lifecycle.deleteService(state.serviceIds.get(name)!, { confirm: name });
  }
  for (const name of paths('database', 'delete')) {
    await ports.databases.remove(state.databaseIds.get(name)!, { confirm: name, deleteVolume: false });
  }
  return plan;
}

async function updateService(ports: ProjectConfigPorts, id: string, name: string, service: FileService, plan: Plan) {
  const changed = plan.changes.some((c) => c.kind === 'setting' && c.path.startsWith(`${name}.`));
  if (!changed) return;
  const sourceChanged = plan.changes.some((c) => c.path.startsWith(`${name}.source.`));
  const patch = settingsPatchOf(service);
  await ports.projects.updateServiceSettings(id, sourceChanged ? { source: service.source, ...patch } : patch);
}

async function applyVariables(ports: ProjectConfigPorts, id: string, name: string, plan: Plan) {
  const prefix = `${name}.variables.`;
  const ofService = plan.changes.filter((c) => c.kind === 'variable' && c.path.startsWith(prefix) && !c.skipped);
  const writes = ofService
    .filter((c) => c.action !== 'delete')
    .map((c): [string, unknown] => [c.path.slice(prefix.length), c.new]);
  if (writes.length > 0) await ports.variables.set(id, writes);
  for (const change of ofService.filter((c) => c.action === 'delete')) {
    await ports.variables.remove(id, change.path.slice(prefix.length));
  }
}

async function applyDomains(ports: ProjectConfigPorts, state: ProjectState, id: string, name: string, plan: Plan) {
  const prefix = `${name}.domains.`;
  const ofService = plan.changes.filter((c) => c.kind === 'domain' && c.path.startsWith(prefix) && !c.skipped);
  if (ofService.length > 0 && !ports.domains) {
    throw new AppError('CONFLICT', 'This server runs without custom domains: the file cannot change them.');
  }
  for (const change of ofService) {
    const hostname = change.path.slice(prefix.length);
    if (change.action === 'create') await ports.domains!.add(id, { hostname });
    else await ports.domains!.remove(state.domainIds.get(`${name}/${hostname}`)!);
  }
}
