/**
 * Database credentials: generated once (random, URL-safe so they need no escaping in a URL), sealed
 * with the SecretBox as one JSON document, and opened only to start a container, run a tool or build
 * the connection variables an app receives.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { ManagedDatabase } from './database.types.js';
import { readSealedCredentials } from './databases.repository.js';
import { ENGINES } from './engines/index.js';
import type { DatabaseCredentials } from './engines/types.js';

/** 32 random bytes as base64url: 256 bits, letters, digits, `-` and `_` only. */
export function strongPassword(): string {
  return randomBytes(32).toString('base64url');
}

/** The user and database are named after nothing secret; `app` reads well in URLs and dumps. */
export function generateCredentials(): DatabaseCredentials {
  return { user: 'app', password: strongPassword(), database: 'app', rootPassword: strongPassword() };
}

/** Same user and database names with new passwords: a throwaway copy that knows none of the real secrets. */
export function throwawayCredentials(like: DatabaseCredentials): DatabaseCredentials {
  return { ...like, password: strongPassword(), rootPassword: strongPassword() };
}

export function sealCredentials(box: SecretBox, c: DatabaseCredentials): string {
  return box.encrypt(JSON.stringify(c));
}

export async function openCredentials(
  db: Db,
  box: Pick<SecretBox, 'decrypt'>,
  databaseId: string,
): Promise<DatabaseCredentials> {
  const sealed = await readSealedCredentials(db, databaseId);
  if (!sealed) throw new AppError('NOT_FOUND', `No database with id "${databaseId}".`);
  return JSON.parse(box.decrypt(sealed)) as DatabaseCredentials;
}

/**
 * What apps on the project network get: host = the database's name (its DNS alias there), or `host` when
 * given (on the cluster: its Service's cluster IP, as no cluster DNS is assumed).
 */
export function connectionVariables(
  database: ManagedDatabase,
  c: DatabaseCredentials,
  host?: string,
): Record<string, string> {
  const engine = ENGINES[database.engine];
  return engine.connectionVariables(host ?? database.name, engine.port, c);
}
