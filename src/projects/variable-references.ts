/**
 * Railway-style variable references: `${{<service>.<VAR>}}` in an app variable's value is replaced at
 * deploy time by that variable of another service of the same environment: a database's connection
 * variables, or an app's own variables (as stored; references are not followed twice, so no cycles).
 * An unknown service or variable is an error naming both, raised when the variable is saved and again
 * before a deploy starts.
 * Managed databases live in their own feature, which depends on this one: what they offer comes in
 * through the ReferenceSource port (src/databases/references.ts implements it), so projects never
 * imports databases.
 */
import type { Db } from '../db/connection.js';
import type { Executor } from '../db/executor.js';
import { AppError } from '../errors.js';
import type { SecretBox } from '../lib/secret-box.js';
import { findServiceIdByName } from './services.repository.js';
import { listSharedVariablesOfEnvironment } from './shared-variables.repository.js';
import { listSealedVariables } from './variables.repository.js';

/**
 * `${{shared.KEY}}` is a shared project variable (every environment sees the same ones). `shared` is a
 * reserved name (names.ts), so no service can take it.
 */
export const SHARED_SCOPE = 'shared';

/** Only this exact shape is a reference; anything else with `${{` (e.g. `${{not.a.ref}}`) is plain text. */
const REFERENCE = /\$\{\{\s*([a-z][a-z0-9-]{0,62})\.([A-Za-z_][A-Za-z0-9_]{0,127})\s*\}\}/g;

export interface Reference {
  service: string;
  variable: string;
}

export function findReferences(value: string): Reference[] {
  return [...value.matchAll(REFERENCE)].map((m) => ({ service: m[1]!, variable: m[2]! }));
}

export function hasReferences(values: Record<string, string>): boolean {
  return Object.values(values).some((v) => findReferences(v).length > 0);
}

function invalid(key: string, ref: Reference, why: string): AppError {
  return new AppError('VARIABLE_REFERENCE_INVALID', `${key} refers to \${{${ref.service}.${ref.variable}}}: ${why}`, {
    details: { [key]: why },
  });
}

/**
 * What another feature offers to references: the variables of its service `name` in the environment,
 * read through `db` (the caller's database or transaction).
 */
export interface ReferenceSource {
  offeredVariables(db: Executor, environmentId: string, name: string): Promise<Record<string, string> | undefined>;
}

interface ServiceLookup {
  db: Db;
  secretBox: SecretBox;
  /** Managed databases: their connection variables. */
  databases: ReferenceSource;
  environmentId: string;
  /** The service whose variables are being resolved (it may not refer to itself). */
  selfId: string;
}

/** The variables another service of the environment offers, or undefined when there is no such service. */
async function variablesOf(look: ServiceLookup, name: string): Promise<Record<string, string> | undefined> {
  if (name === SHARED_SCOPE) {
    const rows = await listSharedVariablesOfEnvironment(look.db, look.environmentId);
    return Object.fromEntries(rows.map((r) => [r.key, look.secretBox.decrypt(r.valueEncrypted)]));
  }
  const database = await look.databases.offeredVariables(look.db, look.environmentId, name);
  if (database) return database;
  const appId = await findServiceIdByName(look.db, look.environmentId, name, 'app');
  if (!appId || appId === look.selfId) return undefined;
  const rows = await listSealedVariables(look.db, appId);
  return Object.fromEntries(rows.map((r) => [r.key, look.secretBox.decrypt(r.valueEncrypted)]));
}

/** Replaces every reference; throws VARIABLE_REFERENCE_INVALID on the first one that cannot be resolved. */
export async function resolveReferences(
  look: ServiceLookup,
  values: Record<string, string>,
): Promise<Record<string, string>> {
  const cache = new Map<string, Record<string, string> | undefined>();
  const resolved: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    const refs = findReferences(value);
    for (const ref of refs) {
      if (!cache.has(ref.service)) cache.set(ref.service, await variablesOf(look, ref.service));
      const offered = cache.get(ref.service);
      if (!offered) throw invalid(key, ref, `there is no other service named "${ref.service}" in this project.`);
      if (ref.service === SHARED_SCOPE && !(ref.variable in offered)) {
        throw invalid(key, ref, `the project has no shared variable ${ref.variable}.`);
      }
      if (!(ref.variable in offered)) {
        const names = Object.keys(offered).sort().join(', ') || 'none';
        throw invalid(key, ref, `service "${ref.service}" has no variable ${ref.variable} (it has: ${names}).`);
      }
    }
    resolved[key] =
      refs.length === 0
        ? value
        : value.replace(REFERENCE, (_all, service: string, variable: string) => cache.get(service)![variable]!);
  }
  return resolved;
}
