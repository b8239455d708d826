/**
 * Before → after diffs for the audit log, with no secret value in them. A value is secret when its key
 * says so (password, token, secret, key, credential, connection string…) or it sits under a path the
 * caller names as a map of secrets (a service's variables, build args); a secret is written only as
 * "set", "changed" or "removed". Plain values are still scrubbed of what can hide inside text: credentials
 * in URLs, Berth tokens, PEM blocks and secret query parameters. Secret values are compared in memory only.
 */

export type SecretMark = 'set' | 'changed' | 'removed';
export type AuditChange = { before?: unknown; after?: unknown } | SecretMark;
/** Dotted path (`port`, `healthcheck.path`, `variables.API_KEY`) → what changed. */
export type AuditChanges = Record<string, AuditChange>;

/** A plain object read from a feature before or after a change; undefined for "did not exist". */
export type Snapshot = Record<string, unknown>;

export interface DiffOptions {
  /** Paths whose every value is secret: `variables` covers `variables.X` for any X. */
  secretPaths?: readonly string[];
}

const SECRET_KEY =
  /pass(word|wd|phrase)?|secret|token|credential|apikey|privatekey|private|connection|dsn|cookie|signature|authorization|^auth$|key$|salt|hash/;

/** Whether a field of this name holds a secret (compared without case, `-`, `_` or `.`). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.toLowerCase().replace(/[-_.\s]/g, ''));
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;
const BERTH_TOKEN = /berth_[A-Za-z0-9_-]{8,}/g;
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g;
const SECRET_QUERY = /([?&](?:token|key|secret|password|passwd|sig|signature|access_token|api_key)=)[^&\s#]+/gi;

/** Removes what can hide a secret inside ordinary text. */
export function redactText(text: string): string {
  return text
    .replace(PEM_BLOCK, '[redacted key]')
    .replace(URL_CREDENTIALS, '$1[redacted]@')
    .replace(BERTH_TOKEN, 'berth_[redacted]')
    .replace(SECRET_QUERY, '$1[redacted]');
}

/** A value made safe to store: secret fields become "set", text is scrubbed (for whole objects and arrays). */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = isSecretKey(key) ? (isEmpty(inner) ? inner : 'set') : redactValue(inner);
    }
    return out;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nothing there: a create or delete of such a field is no change worth a line. */
function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

interface Leaf {
  value: unknown;
  isSecret: boolean;
}

/** Objects become dotted paths; arrays and scalars are leaves. A secret key makes its whole subtree secret. */
function flatten(snapshot: Snapshot, secretPaths: readonly string[]): Map<string, Leaf> {
  const leaves = new Map<string, Leaf>();
  const walk = (value: unknown, path: string, isSecret: boolean) => {
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      for (const [key, inner] of Object.entries(value)) {
        const next = path ? `${path}.${key}` : key;
        walk(inner, next, isSecret || isSecretKey(key) || secretPaths.includes(path || key));
      }
      return;
    }
    leaves.set(path, { value, isSecret: isSecret || secretPaths.some((p) => path.startsWith(`${p}.`)) });
  };
  for (const [key, value] of Object.entries(snapshot)) walk(value, key, isSecretKey(key));
  return leaves;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * What changed between two snapshots, safe to store: plain fields as {before, after}, secret ones as a
 * mark. A create (no before) lists every field of after; a delete lists every field of before. Null when
 * nothing changed (or there was nothing to compare).
 */
export function auditDiff(
  before: Snapshot | undefined,
  after: Snapshot | undefined,
  options: DiffOptions = {},
): AuditChanges | null {
  if (!before && !after) return null;
  const secretPaths = options.secretPaths ?? [];
  const old = flatten(before ?? {}, secretPaths);
  const now = flatten(after ?? {}, secretPaths);
  const changes: AuditChanges = {};
  for (const path of new Set([...old.keys(), ...now.keys()])) {
    const a = old.get(path);
    const b = now.get(path);
    const wasThere = a !== undefined && !isEmpty(a.value);
    const isThere = b !== undefined && !isEmpty(b.value);
    if (!wasThere && !isThere) continue;
    if (wasThere && isThere && same(a.value, b.value)) continue;
    if (a?.isSecret || b?.isSecret) {
      changes[path] = !wasThere ? 'set' : !isThere ? 'removed' : 'changed';
      continue;
    }
    const change: { before?: unknown; after?: unknown } = {};
    if (wasThere) change.before = redactValue(a.value);
    if (isThere) change.after = redactValue(b.value);
    changes[path] = change;
  }
  return Object.keys(changes).length > 0 ? changes : null;
}
