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

/** Encoded forms shorter than this could match by chance (a base64 fragment of 4 chars is any word). */
const MIN_ENCODED_LENGTH = 8;

/**
 * Every form in which a program commonly prints a secret: as it is, percent-encoded, and base64 (and
 * base64url) encoded, also inside a longer encoded string (`base64("user:" + secret)`): base64 is
 * aligned in 3-byte groups, so for each of the three offsets the groups made of the secret's bytes
 * alone are the same whatever surrounds them.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  const bytes = Buffer.from(secret, 'utf8');
  for (let offset = 0; offset < 3; offset++) {
    const shifted = Buffer.concat([Buffer.alloc(offset), bytes]);
    // Skip the group holding the padding bytes, keep only groups fully inside the secret.
    const start = offset === 0 ? 0 : 4;
    const end = Math.floor(shifted.length / 3) * 4;
    for (const encoding of ['base64', 'base64url'] as const) {
      const core = shifted.toString(encoding).slice(start, end);
      if (core.length >= MIN_ENCODED_LENGTH) forms.add(core);
    }
  }
  return [...forms];
}
