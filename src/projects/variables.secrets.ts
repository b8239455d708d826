/**
 * Which of a service's variable values are secrets, so deployment logs can redact exactly those and
 * show plain configuration (NODE_ENV=production) as it is. A value is secret when the user marked it,
 * when its name says so, when it comes from another service through a reference (generated database
 * credentials), or when it is a URL carrying credentials.
 */
import { hasReferences } from './variable-references.js';
import type { VariablesDeps } from './variables.service.js';
import { listSealedVariables } from './variables.repository.js';

/** `*_KEY`, `*_SECRET`, `*_TOKEN`, and anything with PASSWORD or SECRET in it (API_KEY, DB_PASSWORD, ...). */
const SECRET_NAME = /(^|_)(KEY|SECRET|TOKEN)$|PASSWORD|SECRET|PASSWD/i;

/** `scheme://user:password@` (the password part captured). */
const URL_WITH_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:([^/\s@]+)@/i;

export function isSecretName(key: string): boolean {
  return SECRET_NAME.test(key);
}

/** The password of a URL with credentials, decoded as well as written (either may be printed). */
function urlPasswords(value: string): string[] {
  const password = URL_WITH_CREDENTIALS.exec(value)?.[1];
  if (!password) return [];
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // Not percent-encoded: the written form is the only one.
  }
  return [password, decoded];
}

/**
 * The secret values among `env` (the resolved environment of a deployment of the service). Flags and
 * references come from the stored variables; names and URLs from `env` itself.
 */
export async function secretVariableValues(
  deps: Pick<VariablesDeps, 'db' | 'secretBox'>,
  serviceId: string,
  env: Record<string, string>,
): Promise<string[]> {
  const stored = await listSealedVariables(deps.db, serviceId);
  const marked = new Set<string>();
  for (const row of stored) {
    if (row.secret || hasReferences({ [row.key]: deps.secretBox.decrypt(row.valueEncrypted) })) marked.add(row.key);
  }
  const secrets: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (marked.has(key) || isSecretName(key)) secrets.push(value);
    secrets.push(...urlPasswords(value));
  }
  return secrets;
}
