/**
 * The encrypted backup file: a key from the passphrase (scrypt, random salt) and AES-256-GCM over the
 * whole tar. Layout: "BERTHBK1" | N exponent, r, p (1 byte each) | salt (16) | iv (12) | ciphertext | tag (16).
 * Decryption writes the plaintext to a temporary file and keeps it only when the tag verifies, so a
 * wrong passphrase or a damaged file yields an error and no output.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { createReadStream, createWriteStream, openSync, readSync, closeSync, statSync, rmSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';

const MAGIC = Buffer.from('BERTHBK1');
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 3 + SALT_BYTES + IV_BYTES;
const SCRYPT = { log2N: 15, r: 8, p: 1 };
export const MIN_PASSPHRASE_LENGTH = 12;

function deriveKey(passphrase: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, { N: 2 ** log2N, r, p, maxmem: 256 * 2 ** log2N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export function checkPassphrase(passphrase: unknown): string {
  if (typeof passphrase !== 'string' || passphrase.length < MIN_PASSPHRASE_LENGTH || passphrase.length > 1024)
    throw new AppError('VALIDATION_FAILED', `The passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters.`, {
      details: { passphrase: `at least ${MIN_PASSPHRASE_LENGTH} characters` },
    });
  return passphrase;
}

/** Encrypts a stream into `file` (mode 0600). */
export async function encryptToFile(plain: Readable, passphrase: string, file: string): Promise<void> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const key = await deriveKey(passphrase, salt, SCRYPT.log2N, SCRYPT.r, SCRYPT.p);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const header = Buffer.concat([MAGIC, Buffer.from([SCRYPT.log2N, SCRYPT.r, SCRYPT.p]), salt, iv]);
  let wroteHeader = false;
  const framing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!wroteHeader) {
        wroteHeader = true;
        this.push(header);
      }
      done(null, chunk);
    },
    flush(done) {
      if (!wroteHeader) this.push(header);
      this.push(cipher.getAuthTag());
      done();
    },
  });
  // The tag exists only after the cipher's own flush, which runs before framing's flush.
  await pipeline(plain, cipher, framing, createWriteStream(file, { mode: 0o600 }));
}

/** Decrypts `file` into `out`; on a wrong passphrase or damage, `out` does not exist afterwards. */
export async function decryptToFile(file: string, passphrase: string, out: string): Promise<void> {
  const size = statSync(file).size;
  const head = Buffer.alloc(HEADER_BYTES);
  const tag = Buffer.alloc(TAG_BYTES);
  const fd = openSync(file, 'r');
  try {
    if (size < HEADER_BYTES + TAG_BYTES || readSync(fd, head, 0, HEADER_BYTES, 0) !== HEADER_BYTES)
      throw new AppError('VALIDATION_FAILED', 'This file is not a Berth backup (it is too short).');
    readSync(fd, tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    closeSync(fd);
  }
  if (!head.subarray(0, MAGIC.length).equals(MAGIC))
    throw new AppError('VALIDATION_FAILED', 'This file is not a Berth backup (unknown format).');
  const [log2N, r, p] = head.subarray(MAGIC.length, MAGIC.length + 3);
  if (log2N! > 20 || r! > 16 || p! > 4)
    throw new AppError('VALIDATION_FAILED', 'This backup has unusable key settings.');
  const salt = head.subarray(MAGIC.length + 3, MAGIC.length + 3 + SALT_BYTES);
  const iv = head.subarray(MAGIC.length + 3 + SALT_BYTES);
  const key = await deriveKey(passphrase, salt, log2N!, r!, p!);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  try {
    await pipeline(
      createReadStream(file, { start: HEADER_BYTES, end: size - TAG_BYTES - 1 }),
      decipher,
      createWriteStream(out, { mode: 0o600 }),
    );
  } catch (error) {
    rmSync(out, { force: true });
    throw new AppError('VALIDATION_FAILED', 'Wrong passphrase, or the backup file is damaged. Nothing was restored.', {
      cause: error,
    });
  }
}
