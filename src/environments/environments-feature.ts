/** The environments feature as the composition root and the HTTP layer see it. */
import { bindFirst } from '../lib/bind-first.js';
import { duplicateEnvironment, type DuplicateInput } from './duplicate.js';
import type { EnvironmentsDeps } from './environment-ports.js';
import { EnvironmentsService } from './environments.service.js';
import {
  listSharedKeys,
  removeSharedVariable,
  revealSharedVariable,
  setSharedVariables,
} from './shared-variables.service.js';

export type { DuplicateResult } from './duplicate.js';
export type { EnvironmentView } from './environments.service.js';

export function createEnvironmentsFeature(deps: EnvironmentsDeps) {
  const service = new EnvironmentsService(deps);
  const sealed = { db: deps.db, secretBox: deps.secretBox };
  return {
    list: (projectId: string) => service.list(projectId),
    get: (projectId: string, nameOrId: string) => service.get(projectId, nameOrId),
    create: (projectId: string, input: { name?: unknown }) => service.create(projectId, input),
    rename: (projectId: string, nameOrId: string, input: { name?: unknown }) =>
      service.rename(projectId, nameOrId, input),
    remove: (projectId: string, nameOrId: string, input: { confirm?: unknown }) =>
      service.remove(projectId, nameOrId, input),
    duplicate: (projectId: string, nameOrId: string, input: DuplicateInput, triggeredBy: string | null) =>
      duplicateEnvironment(service, projectId, nameOrId, input, triggeredBy),
    shared: {
      list: bindFirst(sealed, listSharedKeys),
      set: bindFirst(sealed, setSharedVariables),
      remove: bindFirst(sealed, removeSharedVariable),
      reveal: bindFirst(sealed, revealSharedVariable),
    },
  };
}

export type EnvironmentsFeature = ReturnType<typeof createEnvironmentsFeature>;
