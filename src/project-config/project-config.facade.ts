/**
 * Project as code, as the HTTP layer sees it: export the project to a berth.project.json, plan a file
 * against the server, apply a planned file, and the drift between the server and the file last applied.
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { nowIso } from '../lib/ids.js';
import { applyProjectFile } from './apply-project.js';
import { checkProjectFile } from './check-project-file.js';
import type { ProjectConfigPorts } from './project-config.ports.js';
import { findAppliedFile, saveAppliedFile } from './project-config.repository.js';
import { hashOf, readProjectState, type ProjectState } from './project-export.js';
import type { FileScope, ProjectFile } from './project-file.js';
import { planProject, type Change, type Plan } from './plan-project.js';

export interface Drift {
  appliedAt: string;
  appliedBy: string | null;
  fileHash: string;
  /** The fields where the server no longer matches the file (empty: it matches). */
  changes: Change[];
}

export function createProjectConfigFacade(db: Db, ports: ProjectConfigPorts) {
  const applying = new Set<string>();
  const checked = (state: ProjectState, raw: unknown) => {
    const scopes: Array<[string, FileScope]> = [
      ['', state.file],
      ...Object.entries(state.file.environments ?? {}).map(([n, s]): [string, FileScope] => [`environments.${n}.`, s]),
    ];
    const secretKeys = new Map(
      scopes.flatMap(([prefix, scope]) =>
        Object.entries(scope.services).map(([name, service]): [string, Set<string>] => [
          `${prefix}${name}`,
          new Set(Object.entries(service.variables ?? {}).flatMap(([k, v]) => (typeof v === 'string' ? [] : [k]))),
        ]),
      ),
    );
    return checkProjectFile(raw, ports.checkSource, secretKeys);
  };
  return {
    async export(projectId: string): Promise<ProjectFile> {
      return (await readProjectState(ports, projectId)).file;
    },

    async plan(projectId: string, raw: unknown, prune: boolean): Promise<Plan> {
      const state = await readProjectState(ports, projectId);
      return planProject(state.file, await checked(state, raw), prune, state.previews);
    },

    async apply(
      projectId: string,
      raw: unknown,
      options: { prune: boolean; expectPlanHash: string; appliedBy: string | null },
    ): Promise<Plan> {
      if (applying.has(projectId)) throw new AppError('CONFLICT', 'Another apply of this project is running.');
      applying.add(projectId);
      try {
        const state = await readProjectState(ports, projectId);
        const file = await checked(state, raw);
        // The applied file is saved in the apply's one transaction: a failed apply leaves the last one.
        return await applyProjectFile(ports, projectId, state, file, options, (executor) =>
          saveAppliedFile(executor, projectId, {
            fileJson: JSON.stringify(file),
            fileHash: hashOf(file),
            appliedBy: options.appliedBy,
            appliedAt: nowIso(),
          }),
        );
      } finally {
        applying.delete(projectId);
      }
    },

    /** Undefined when no file was ever applied to the project. */
    async drift(projectId: string): Promise<Drift | undefined> {
      const applied = await findAppliedFile(db, projectId);
      if (!applied) return undefined;
      const state = await readProjectState(ports, projectId);
      const file = JSON.parse(applied.fileJson) as ProjectFile;
      const { changes } = planProject(state.file, file, true, state.previews);
      return { appliedAt: applied.appliedAt, appliedBy: applied.appliedBy, fileHash: applied.fileHash, changes };
    },
  };
}

export type ProjectConfigFacade = ReturnType<typeof createProjectConfigFacade>;
