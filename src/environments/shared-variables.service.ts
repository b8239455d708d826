/**
 * Shared project variables: set once on the project, referenced from any environment's services as
 * `${{shared.KEY}}` (resolved at deploy time like any reference, src/projects/variable-references.ts).
 * Sealed at rest like service variables; lists never carry values, and a secret value leaves only
 * through reveal (admins), like a service variable's.
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import type { SecretBox } from '../lib/secret-box.js';
import { getProject } from '../projects/projects.service.js';
import {
  deleteSharedVariable,
  listSharedVariables,
  upsertSharedVariables,
} from '../projects/shared-variables.repository.js';
import { checkVariables, describeKeyProblem, MAX_VARIABLES } from '../projects/variable-rules.js';

export interface SharedVariableKey {
  key: string;
  secret: boolean;
  updatedAt: string;
}

interface Deps {
  db: Db;
  secretBox: SecretBox;
}

export async function listSharedKeys(deps: Deps, projectId: string): Promise<SharedVariableKey[]> {
  await getProject(deps.db, projectId);
  return (await listSharedVariables(deps.db, projectId)).map((r) => ({
    key: r.key,
    secret: r.secret,
    updatedAt: r.updatedAt,
  }));
}

/**
 * Adds or overwrites variables: {KEY: "value"} or {KEY: {value, secret}}. A flag not given keeps the
 * stored one. Returns how many were written.
 */
export async function setSharedVariables(deps: Deps, projectId: string, input: unknown): Promise<number> {
  await getProject(deps.db, projectId);
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new AppError('VALIDATION_FAILED', 'Send the variables as an object: {"KEY": "value"}.', {
      details: { variables: 'must be an object' },
    });
  }
  const flags = new Map<string, boolean>();
  const pairs = Object.entries(input as Record<string, unknown>).map(([key, raw]): [string, unknown] => {
    if (raw === null || typeof raw !== 'object') return [key, raw];
    const { value, secret } = raw as { value?: unknown; secret?: unknown };
    if (secret !== undefined && typeof secret !== 'boolean') {
      throw new AppError('VALIDATION_FAILED', `The secret flag of ${key.slice(0, 128)} must be true or false.`, {
        details: { [key.slice(0, 128)]: 'secret must be a boolean' },
      });
    }
    if (secret !== undefined) flags.set(key, secret);
    return [key, value];
  });
  const entries = checkVariables(pairs);
  const stored = new Map((await listSharedVariables(deps.db, projectId)).map((r) => [r.key, r.secret]));
  const added = entries.filter(([key]) => !stored.has(key)).length;
  if (stored.size + added > MAX_VARIABLES) {
    throw new AppError('VALIDATION_FAILED', `A project can have at most ${MAX_VARIABLES} shared variables.`);
  }
  await upsertSharedVariables(
    deps.db,
    projectId,
    entries.map(([key, value]) => ({
      id: newId('var'),
      key,
      valueEncrypted: deps.secretBox.encrypt(value),
      secret: flags.get(key) ?? stored.get(key) ?? false,
    })),
    nowIso(),
  );
  return entries.length;
}

export async function removeSharedVariable(deps: Deps, projectId: string, key: string): Promise<void> {
  await getProject(deps.db, projectId);
  if (!(await deleteSharedVariable(deps.db, projectId, key))) {
    throw new AppError('NOT_FOUND', `The project has no shared variable ${key.slice(0, 128)}.`);
  }
}

export async function revealSharedVariable(deps: Deps, projectId: string, key: string): Promise<string> {
  const problem = describeKeyProblem(key);
  if (problem) throw new AppError('VALIDATION_FAILED', problem);
  const row = (await listSharedVariables(deps.db, projectId)).find((r) => r.key === key);
  if (!row) throw new AppError('NOT_FOUND', `The project has no shared variable ${key}.`);
  return deps.secretBox.decrypt(row.valueEncrypted);
}
