/**
 * Removes known secret values from text before it reaches a log. Callers pass every form a secret can
 * take on the wire (the raw token, its Basic-auth encoding, ...); this file only replaces them.
 */

/** Shorter values would redact ordinary words ("git", "1"); such values are not secrets worth the name. */
const MIN_SECRET_LENGTH = 4;

/** Credentials written into a URL (`scheme://user:password@host`), which git may echo back. */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text.replace(URL_CREDENTIALS, '$1[redacted]@');
  // Longest first, so a secret that contains another one is replaced whole.
  const ordered = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const secret of ordered) {
    if (result.includes(secret)) result = result.split(secret).join('[redacted]');
  }
  return result;
}
