/** Values a template generates at install: random, from the system's CSPRNG. */
import { randomBytes, randomInt } from 'node:crypto';
import type { GeneratedKind } from './template.types.js';

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export function generateValue(kind: GeneratedKind): string {
  switch (kind) {
    case 'secret':
      // 48 bytes → 64 URL-safe characters (enough for keys that want 64 characters, e.g. Phoenix's).
      return randomBytes(48).toString('base64url');
    case 'hex32':
      return randomBytes(32).toString('hex');
    case 'password':
      // Letters and digits only: safe inside URLs, connection strings and shell-less env values.
      return Array.from({ length: 24 }, () => PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)]).join('');
  }
}
