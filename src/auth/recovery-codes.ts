/**
 * Recovery codes: ten one-time codes shown once at enrolment, for when the phone is lost. 50 random bits
 * each (ten base32 characters, shown as `abcde-fghjk`), so a plain SHA-256 is enough to store them, as for
 * API tokens: a guess is checked against the throttle long before it could search that space.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../lib/secrets.js';

export const RECOVERY_CODE_COUNT = 10;
// Crockford's base32: no i, l, o or u to misread.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const SHAPE = /^[a-z0-9]{10}$/;

export function newRecoveryCode(): string {
  let out = '';
  for (const byte of randomBytes(10)) out += ALPHABET[byte % 32];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

/** The code without separators and in lower case, or undefined when it cannot be a recovery code. */
export function normalizeRecoveryCode(raw: string): string | undefined {
  const code = raw.toLowerCase().replace(/[\s-]+/g, '');
  return SHAPE.test(code) ? code : undefined;
}

export function hashRecoveryCode(normalized: string): string {
  return sha256Hex(`recovery:${normalized}`);
}
