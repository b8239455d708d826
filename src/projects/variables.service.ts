/**
 * Service variables, encrypted at rest with the SecretBox (one sealed value per row). Values are kept
 * byte for byte; `${{service.VAR}}` references are checked when saved and resolved for deploys
 * (variable-references.ts).
 * Plaintext leaves this module only through readVariables/revealVariable (admins) and resolveVariables
 * (the deploy runner).
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import type { SecretBox } from '../lib/secret-box.js';
import { findEnvironmentOfService, serviceExists } from './services.repository.js';
import { hasReferences, resolveReferences, type ReferenceSource } from './variable-references.js';
import { checkVariables, describeKeyProblem, MAX_VARIABLES } from './variable-rules.js';
import {
  countVariables,
  deleteVariableRow,
  findSealedVariable,
  listSealedVariables,
  listSealedVariablesOfServices,
  replaceSealedVariables,
  setVariableSecret,
  upsertSealedVariables,
} from './variables.repository.js';

export interface VariablesDeps {
  db: Db;
  secretBox: SecretBox;
  /** What managed databases offer to `${{<database>.<VAR>}}` references (the databases feature). */
  databases: ReferenceSource;
}

/** What lists show: the key, whether it is secret, and when it changed, never the value. */
export interface VariableKey {
  key: string;
  /** Marked secret by the user (names such as *_TOKEN are treated as secret whatever the flag). */
  secret: boolean;
  updatedAt: string;
}

/** A value as given, with the secret flag when the caller set it (undefined keeps the stored flag). */
type VariableInput = Array<[string, unknown]>;
type SecretFlags = Map<string, boolean>;

/**
 * Input values are text, or `{ value, secret }` to set the secret flag with the value. Returns the
 * plain [key, value] pairs (checked later) and the flags given.
 */
function splitSecretFlags(input: VariableInput): { entries: VariableInput; flags: SecretFlags } {
  const flags: SecretFlags = new Map();
  const entries = input.map(([key, raw]): [string, unknown] => {
    if (raw === null || typeof raw !== 'object') return [key, raw];
    const { value, secret } = raw as { value?: unknown; secret?: unknown };
    if (secret !== undefined && typeof secret !== 'boolean') {
      throw new AppError('VALIDATION_FAILED', `The secret flag of ${key} must be true or false.`, {
        details: { [key.slice(0, 128)]: 'secret must be a boolean' },
      });
    }
    if (secret !== undefined) flags.set(key, secret);
    return [key, value];
  });
  return { entries, flags };
}

async function requireService(db: Db, serviceId: string): Promise<void> {
  if (!(await serviceExists(db, serviceId))) throw new AppError('NOT_FOUND', `No service with id "${serviceId}".`);
}

/** A flag given now wins; otherwise the stored one stays (a value changed through a form keeps its flag). */
async function seal(deps: VariablesDeps, serviceId: string, entries: Array<[string, string]>, flags: SecretFlags) {
  const stored = new Map((await listSealedVariables(deps.db, serviceId)).map((row) => [row.key, row.secret]));
  return entries.map(([key, value]) => ({
    id: newId('var'),
    key,
    valueEncrypted: deps.secretBox.encrypt(value),
    secret: flags.get(key) ?? stored.get(key) ?? false,
  }));
}

export async function listVariableKeys(deps: VariablesDeps, serviceId: string): Promise<VariableKey[]> {
  await requireService(deps.db, serviceId);
  const rows = await listSealedVariables(deps.db, serviceId);
  return rows.map((row) => ({ key: row.key, secret: row.secret, updatedAt: row.updatedAt }));
}

/** All variables with their values, sorted by key. */
export async function readVariables(deps: VariablesDeps, serviceId: string): Promise<Record<string, string>> {
  await requireService(deps.db, serviceId);
  const rows = await listSealedVariables(deps.db, serviceId);
  return Object.fromEntries(rows.map((row) => [row.key, deps.secretBox.decrypt(row.valueEncrypted)]));
}

/** The variables of many services at once (the project canvas reads which databases each refers to). */
export async function readVariablesOfServices(
  deps: VariablesDeps,
  serviceIds: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const sealed = await listSealedVariablesOfServices(deps.db, serviceIds);
  return new Map(
    [...sealed].map(([id, rows]) => [
      id,
      Object.fromEntries(rows.map((row) => [row.key, deps.secretBox.decrypt(row.valueEncrypted)])),
    ]),
  );
}

/** Replaces the whole set with `input` ({KEY: value}); keys not in it are deleted. */
export async function replaceVariables(
  deps: VariablesDeps,
  serviceId: string,
  input: Record<string, unknown>,
): Promise<Record<string, string>> {
  await requireService(deps.db, serviceId);
  const split = splitSecretFlags(Object.entries(input));
  const entries = checkVariables(split.entries);
  await checkReferences(deps, serviceId, Object.fromEntries(entries));
  await replaceSealedVariables(deps.db, serviceId, await seal(deps, serviceId, entries, split.flags), nowIso());
  return Object.fromEntries(entries);
}

/** Adds or overwrites the given variables and keeps the rest; returns how many were written. */
export async function setVariables(deps: VariablesDeps, serviceId: string, input: VariableInput): Promise<number> {
  await requireService(deps.db, serviceId);
  const split = splitSecretFlags(input);
  const entries = checkVariables(split.entries);
  await checkReferences(deps, serviceId, Object.fromEntries(entries));
  const existing = new Set((await listSealedVariables(deps.db, serviceId)).map((row) => row.key));
  const added = new Set(entries.map(([key]) => key).filter((key) => !existing.has(key)));
  if (existing.size + added.size > MAX_VARIABLES) {
    throw new AppError('VALIDATION_FAILED', `A service can have at most ${MAX_VARIABLES} variables.`);
  }
  await upsertSealedVariables(deps.db, serviceId, await seal(deps, serviceId, entries, split.flags), nowIso());
  return entries.length;
}

export async function deleteVariable(deps: VariablesDeps, serviceId: string, key: string): Promise<void> {
  await requireService(deps.db, serviceId);
  if (!(await deleteVariableRow(deps.db, serviceId, key))) {
    throw new AppError('NOT_FOUND', `The service has no variable ${key}.`);
  }
}

/** Marks a variable secret (its value is redacted from deployment logs) or plain. */
export async function markVariableSecret(
  deps: VariablesDeps,
  serviceId: string,
  key: string,
  secret: boolean,
): Promise<void> {
  await requireService(deps.db, serviceId);
  if (!(await setVariableSecret(deps.db, serviceId, key, secret))) {
    throw new AppError('NOT_FOUND', `The service has no variable ${key}.`);
  }
}

/** One value in plaintext, for the panel's Reveal button. */
export async function revealVariable(deps: VariablesDeps, serviceId: string, key: string): Promise<string> {
  const problem = describeKeyProblem(key);
  if (problem) throw new AppError('VALIDATION_FAILED', problem);
  const row = await findSealedVariable(deps.db, serviceId, key);
  if (!row) throw new AppError('NOT_FOUND', `The service has no variable ${key}.`);
  return deps.secretBox.decrypt(row.valueEncrypted);
}

export function countServiceVariables(db: Db, serviceId: string): Promise<number> {
  return countVariables(db, serviceId);
}

/**
 * The environment a deployment of the service gets: plain values, references kept as literal text.
 * A service without variables (or one deleted meanwhile) gets an empty set.
 */
export async function resolveVariables(deps: VariablesDeps, serviceId: string): Promise<Record<string, string>> {
  const rows = await listSealedVariables(deps.db, serviceId);
  const values = Object.fromEntries(rows.map((row) => [row.key, deps.secretBox.decrypt(row.valueEncrypted)]));
  if (!hasReferences(values)) return values;
  const environmentId = await findEnvironmentOfService(deps.db, serviceId);
  if (!environmentId) return values;
  return resolveReferences({ ...deps, environmentId, selfId: serviceId }, values);
}

/** `values` (not stored) resolved as if they were the service's own variables: a berth.json's, at deploy. */
export async function resolveVariablesOf(
  deps: VariablesDeps,
  serviceId: string,
  values: Record<string, string>,
): Promise<Record<string, string>> {
  const environmentId = await findEnvironmentOfService(deps.db, serviceId);
  if (!environmentId || !hasReferences(values)) return values;
  return resolveReferences({ ...deps, environmentId, selfId: serviceId }, values);
}

/** Refuses references to unknown services or variables, so the mistake shows when it is made. */
async function checkReferences(deps: VariablesDeps, serviceId: string, values: Record<string, string>): Promise<void> {
  if (!hasReferences(values)) return;
  const environmentId = await findEnvironmentOfService(deps.db, serviceId);
  if (environmentId) await resolveReferences({ ...deps, environmentId, selfId: serviceId }, values);
}

/** `resolveVariables` bound to its dependencies, for the deploy runner. */
export function makeVariableResolver(deps: VariablesDeps): (serviceId: string) => Promise<Record<string, string>> {
  return (serviceId) => resolveVariables(deps, serviceId);
}
