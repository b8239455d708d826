/**
 * Where `berth login` keeps the server and its API token: <config dir>/credentials.json, mode 0600 in a
 * 0700 directory (the token is a password). One server at a time; logging in again replaces it.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors.js';

export interface Credentials {
  server: string;
  token: string;
  /** Who the token belongs to, as the server said at login. */
  email?: string;
}

export function credentialsPath(configDir: string): string {
  return join(configDir, 'credentials.json');
}

/** The stored credentials, or undefined when there are none (never logged in, or logged out). */
export async function readCredentials(configDir: string): Promise<Credentials | undefined> {
  let text: string;
  try {
    text = await readFile(credentialsPath(configDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<Credentials>;
    if (typeof value.server === 'string' && typeof value.token === 'string') return value as Credentials;
  } catch {
    // Fall through: a damaged file is as good as none.
  }
  throw new AppError(
    'UNAUTHENTICATED',
    `${credentialsPath(configDir)} is damaged: run \`berth login --server URL --token-stdin\` again.`,
  );
}

/** Credentials for a command that talks to the server: not logged in is an auth error (exit 3). */
export async function requireCredentials(configDir: string): Promise<Credentials> {
  const credentials = await readCredentials(configDir);
  if (!credentials)
    throw new AppError('UNAUTHENTICATED', 'Not logged in: run `berth login --server URL --token-stdin` first.');
  return credentials;
}

export async function writeCredentials(configDir: string, credentials: Credentials): Promise<void> {
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  const file = credentialsPath(configDir);
  const staged = `${file}.${process.pid}.tmp`;
  await writeFile(staged, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(staged, 0o600);
  await rename(staged, file);
}

/** Forgets the stored credentials (`berth logout`); none stored is fine. */
export async function removeCredentials(configDir: string): Promise<void> {
  await rm(credentialsPath(configDir), { force: true });
}
