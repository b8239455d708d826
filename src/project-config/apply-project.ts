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
import { at, writeScope, type Effect } from './apply-scope.js';
import type { ProjectConfigPorts } from './project-config.ports.js';
import { emptyScopeState, EXPORTED_ENVIRONMENT, type ProjectState, type ScopeState } from './project-export.js';
import type { FileScope, ProjectFile } from './project-file.js';
import { planProject, planScope, type Plan } from './plan-project.js';

export async function applyProjectFile(
  ports: ProjectConfigPorts,
  projectId: string,
  state: ProjectState,
  file: ProjectFile,
  options: { prune: boolean; expectPlanHash: string },
  save: (executor: Executor) => Promise<void>,
): Promise<Plan> {
  const plan = planProject(state.file, file, options.prune, state.previews);
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
  const effects = await ports.transaction(async (tx, executor) => {
    const after: Effect[] = [];
    const write = (environment: string, prefix: string, current: FileScope, desired: FileScope, ids: ScopeState) =>
      writeScope({
        ports,
        tx,
        projectId,
        environment,
        prefix,
        current,
        desired,
        ids: copyOf(ids),
        changes: planScope(current, desired, options.prune, []),
        effects: after,
      });
    await write(EXPORTED_ENVIRONMENT, '', state.file, file, state);
    for (const [name, desired] of Object.entries(file.environments ?? {})) {
      if (state.previews.has(name) || name === EXPORTED_ENVIRONMENT) continue;
      const prefix = `environments.${name}.`;
      const known = state.others.get(name);
      if (!known) await at({ prefix: '' }, `environments.${name}`, () => tx.insertEnvironment(projectId, name));
      const current = state.file.environments?.[name] ?? { services: {}, databases: {} };
      await write(name, prefix, current, desired, known ?? emptyScopeState());
    }
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

function copyOf(ids: ScopeState): ScopeState {
  return { ...ids, serviceIds: new Map(ids.serviceIds), databaseIds: new Map(ids.databaseIds) };
}
