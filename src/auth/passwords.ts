/** The only importer of bcrypt. Every hash and comparison takes one of a few slots (see hash-slots.ts). */
import bcrypt from 'bcrypt';
import { MAX_PASSWORD_BYTES } from './credentials.js';
import { HashSlots } from './hash-slots.js';

const COST = 12;
/** A real hash of a random string: comparing against it when the account does not exist keeps timing flat. */
const DUMMY_HASH = bcrypt.hashSync('berth-no-such-user', COST);
/** Two hashes at a time leave the rest of libuv's four threads to files and DNS. */
const slots = new HashSlots({ concurrent: 2, maxQueued: 16, maxWaitMs: 5_000 });

export function hashPassword(password: string): Promise<string> {
  return slots.run(() => bcrypt.hash(password, COST));
}

/** False without hashing for a password bcrypt would truncate: its first 72 bytes must not log in. */
export function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return Promise.resolve(false);
  return slots.run(() => bcrypt.compare(password, hash ?? DUMMY_HASH));
}
