/**
 * Makes one line of untrusted output (builds, apps) safe to store and show: ANSI escape sequences and
 * control characters (newlines too: one call, one stored line) are removed, known secret values are replaced, and the line length is capped.
 * HTML escaping is the renderer's job (eta escapes by default).
 */
import { redactSecrets } from './redact.js';

// Matching control characters is the point of these two patterns.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
export const MAX_LINE_LENGTH = 8 * 1024;
/** Shorter values (e.g. "1", "true") would redact ordinary words; they are not treated as secrets. */
export const MIN_SECRET_LENGTH = 6;

export function sanitizeLine(raw: string, secrets: readonly string[] = []): string {
  const clean = raw.replace(ANSI, '').replace(CONTROL, '');
  const line = redactSecrets(
    clean,
    secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH),
  );
  return line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH)}… [line truncated]` : line;
}
