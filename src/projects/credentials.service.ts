/**
 * Git credentials of app services: an access token (for https URLs) or a deploy key (for ssh URLs).
 * They are write-only: accepted on create and on a source change, stored encrypted with the SecretBox,
 * shown only as what kind is set (`GitCredentialsRef`), and decrypted only for the deploy runner.
 *
 * Decisions:
 * - One row per service in `service_credentials`; the service's source JSON never holds them, and the
 *   reference a service carries is read from that table, so there is one place that says what is set.
 * - Stored credentials are never sent to a different server than the one they were entered for: a
 *   source change that moves the repository to another protocol, host or port must enter them again
 *   or remove them (otherwise anyone allowed to edit the URL could point it at their own server and
 *   collect a secret they can never read).
 * - A switch to an image or push source drops them: they mean nothing there.
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { GitCredentials } from '../source/git-fetch.js';
import { parseGitUrl, type ParsedGitUrl } from '../source/git-url.js';
import {
  deleteCredentials,
  findCredentialRefs,
  findCredentials,
  upsertCredentials,
  type CredentialsKind,
} from './credentials.repository.js';
import type { AppService, GitCredentialsRef, ServiceSource } from './service.types.js';

export interface CredentialsDeps {
  db: Db;
  secretBox: SecretBox;
}

/** Credentials as a client sends them. */
export type GitCredentialsInput = { token: string; username?: string } | { sshPrivateKey: string };

/** What a create or a source change does to the stored credentials; a new secret is already sealed. */
export type CredentialsChange =
  | { action: 'keep' }
  | { action: 'remove' }
  | { action: 'set'; kind: CredentialsKind; username: string | null; secretEncrypted: string };

export const KEEP_CREDENTIALS: CredentialsChange = { action: 'keep' };
export const MAX_TOKEN_LENGTH = 1024;
export const MAX_KEY_LENGTH = 16 * 1024;
export const MAX_USERNAME_LENGTH = 128;

/** Printable ASCII without spaces: every forge's tokens, nothing that could break an HTTP header. */
const TOKEN = /^[\x21-\x7e]+$/;
const USERNAME = /^[A-Za-z0-9._@+-]+$/;
/** OpenSSH (`OPENSSH PRIVATE KEY`), PKCS#1 (`RSA`, `EC`, `DSA`) and PKCS#8 (`PRIVATE KEY`) blocks. */
const KEY_BLOCK =
  /^-----BEGIN ((?:OPENSSH |RSA |EC |DSA |ENCRYPTED )?)PRIVATE KEY-----\n([\s\S]+)\n-----END \1PRIVATE KEY-----$/;
const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;
/** PEM headers of PKCS#1 blocks (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: ...`). */
const PEM_HEADER = /^[A-Za-z-]+: [\x20-\x7e]+$/;
const OPENSSH_MAGIC = 'openssh-key-v1\u0000';

const KEY_FORMAT_MESSAGE =
  'The deploy key must be a private key in OpenSSH or PEM format, from -----BEGIN … PRIVATE KEY----- to -----END … PRIVATE KEY-----.';
const PASSPHRASE_MESSAGE =
  'This deploy key is protected by a passphrase. Berth fetches without anyone at the keyboard: create a deploy key without a passphrase.';

function invalid(message: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { details: { credentials: message } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkToken(token: unknown): string {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH || !TOKEN.test(token)) {
    throw invalid(`The access token must be 1 to ${MAX_TOKEN_LENGTH} printable characters, without spaces.`);
  }
  return token;
}

function checkUsername(username: unknown): string | undefined {
  if (username === undefined || username === null || username === '') return undefined;
  if (typeof username !== 'string' || username.length > MAX_USERNAME_LENGTH || !USERNAME.test(username)) {
    throw invalid(
      `The user name of the token may have 1 to ${MAX_USERNAME_LENGTH} letters, digits and . _ @ + - (leave it empty for the default).`,
    );
  }
  return username;
}

/** The cipher of an `openssh-key-v1` key: "none" unless it has a passphrase. */
function opensshCipher(base64: string): string {
  const blob = Buffer.from(base64, 'base64');
  if (blob.subarray(0, OPENSSH_MAGIC.length).toString('latin1') !== OPENSSH_MAGIC) throw invalid(KEY_FORMAT_MESSAGE);
  const start = OPENSSH_MAGIC.length;
  if (blob.length < start + 4) throw invalid(KEY_FORMAT_MESSAGE);
  const length = blob.readUInt32BE(start);
  if (length > 64 || blob.length < start + 4 + length) throw invalid(KEY_FORMAT_MESSAGE);
  return blob.subarray(start + 4, start + 4 + length).toString('latin1');
}

/** Returns the key with LF line ends and one final newline (what ssh wants), or says what is wrong. */
export function checkSshPrivateKey(key: unknown): string {
  if (typeof key !== 'string') throw invalid(KEY_FORMAT_MESSAGE);
  const text = key.replace(/\r\n?/g, '\n').trim();
  if (text.length > MAX_KEY_LENGTH) throw invalid(`The deploy key must be at most ${MAX_KEY_LENGTH / 1024} KB.`);
  const block = KEY_BLOCK.exec(text);
  if (!block) throw invalid(KEY_FORMAT_MESSAGE);
  const [, label = '', body = ''] = block;
  const lines = body.split('\n').map((line) => line.trim());
  const headers = lines.filter((line) => PEM_HEADER.test(line));
  const data = lines.filter((line) => line !== '' && !PEM_HEADER.test(line));
  if (data.length === 0 || !data.every((line) => BASE64_LINE.test(line))) throw invalid(KEY_FORMAT_MESSAGE);
  if (label === 'ENCRYPTED ' || headers.some((line) => /^Proc-Type:.*ENCRYPTED/i.test(line))) {
    throw invalid(PASSPHRASE_MESSAGE);
  }
  if (label === 'OPENSSH ' && opensshCipher(data.join('')) !== 'none') throw invalid(PASSPHRASE_MESSAGE);
  return `${text}\n`;
}

/**
 * Checks `source.credentials` as a client sent it: undefined (not sent), null (remove) or exactly one
 * of `{token, username?}` and `{sshPrivateKey}`. Messages never repeat the value.
 */
export function parseCredentials(raw: unknown): GitCredentialsInput | null | undefined {
  if (raw === undefined || raw === null) return raw;
  if (!isRecord(raw)) {
    throw invalid('The credentials must be {"token": …} or {"sshPrivateKey": …}, or null to remove them.');
  }
  const keys = Object.keys(raw);
  const unknown = keys.filter((key) => !['token', 'username', 'sshPrivateKey'].includes(key));
  if (unknown.length > 0) throw invalid(`Unknown credentials field "${unknown[0]!.slice(0, 40)}".`);
  if ('token' in raw && 'sshPrivateKey' in raw) throw invalid('Give either an access token or a deploy key, not both.');
  if ('sshPrivateKey' in raw) {
    if ('username' in raw) throw invalid('A deploy key has no user name; put the user in the ssh URL (git@host:…).');
    return { sshPrivateKey: checkSshPrivateKey(raw.sshPrivateKey) };
  }
  if (!('token' in raw)) throw invalid('The credentials need a "token" or an "sshPrivateKey".');
  const token = checkToken(raw.token);
  const username = checkUsername(raw.username);
  return username === undefined ? { token } : { token, username };
}

function kindOf(credentials: GitCredentialsInput): CredentialsKind {
  return 'sshPrivateKey' in credentials ? 'ssh-key' : 'token';
}

function checkFitsUrl(kind: CredentialsKind, url: ParsedGitUrl): void {
  if (kind === 'token' && url.protocol === 'ssh') {
    throw invalid('An access token works with https:// URLs; for an ssh URL, use a deploy key.');
  }
  if (kind === 'ssh-key' && url.protocol !== 'ssh') {
    throw invalid(
      'A deploy key works with ssh URLs (ssh://… or git@host:path); for an https:// URL, use an access token.',
    );
  }
}

/** Protocol, host and port: where git would send the credentials. */
function sameServer(a: ParsedGitUrl, b: ParsedGitUrl): boolean {
  const port = (url: ParsedGitUrl) => url.port ?? { https: 443, http: 80, ssh: 22 }[url.protocol];
  return a.protocol === b.protocol && a.host === b.host && port(a) === port(b);
}

function seal(box: SecretBox, credentials: GitCredentialsInput): CredentialsChange {
  if ('sshPrivateKey' in credentials) {
    return { action: 'set', kind: 'ssh-key', username: null, secretEncrypted: box.encrypt(credentials.sshPrivateKey) };
  }
  const username = credentials.username ?? null;
  return { action: 'set', kind: 'token', username, secretEncrypted: box.encrypt(credentials.token) };
}

/**
 * Decides what a create (`previous` undefined) or a source change does to the credentials.
 * `rawSource` is the source as the client sent it; `source` is the same source, validated.
 */
export function planCredentialsChange(
  box: SecretBox,
  rawSource: unknown,
  source: ServiceSource,
  previous?: ServiceSource,
): CredentialsChange {
  const credentials = parseCredentials(isRecord(rawSource) ? rawSource.credentials : undefined);
  if (source.type !== 'git') {
    if (credentials) throw invalid('Credentials are only for git sources.');
    return previous ? { action: 'remove' } : KEEP_CREDENTIALS;
  }
  if (credentials === null) return previous ? { action: 'remove' } : KEEP_CREDENTIALS;
  const url = parseGitUrl(source.url);
  if (credentials) {
    checkFitsUrl(kindOf(credentials), url);
    return seal(box, credentials);
  }
  if (previous?.type === 'git' && previous.credentials && !sameServer(parseGitUrl(previous.url), url)) {
    throw invalid(
      'The repository moved to another server, and Berth does not send stored credentials to a different server. Enter the token or deploy key again, or remove the stored credentials.',
    );
  }
  return KEEP_CREDENTIALS;
}

/** Writes the change (inside the caller's transaction). Returns what is set afterwards. */
export async function applyCredentialsChange(
  db: Db,
  serviceId: string,
  change: CredentialsChange,
  current: GitCredentialsRef | undefined,
  updatedAt: string,
): Promise<GitCredentialsRef | undefined> {
  switch (change.action) {
    case 'keep':
      return current;
    case 'remove':
      await deleteCredentials(db, serviceId);
      return undefined;
    case 'set':
      await upsertCredentials(db, { serviceId, ...change, updatedAt });
      if (change.kind === 'ssh-key') return { kind: 'ssh-key' };
      return change.username === null ? { kind: 'token' } : { kind: 'token', username: change.username };
  }
}

/** The service with `source.credentials` saying what is set (git sources only); a copy, never mutated. */
export function withCredentialsRef(service: AppService, ref: GitCredentialsRef | undefined): AppService {
  if (service.source.type !== 'git') return service;
  const { credentials: _stale, ...source } = service.source;
  return { ...service, source: ref ? { ...source, credentials: ref } : source };
}

/** The services, each with what credentials it has. One query for the whole list. */
export async function attachCredentialRefs(db: Db, services: AppService[]): Promise<AppService[]> {
  const gitIds = services.filter((s) => s.source.type === 'git').map((s) => s.id);
  const refs = await findCredentialRefs(db, gitIds);
  return services.map((service) => withCredentialsRef(service, refs.get(service.id)));
}

/** The source as the services table stores it: without the credentials reference. */
export function sourceForStorage(source: ServiceSource): ServiceSource {
  if (source.type !== 'git' || source.credentials === undefined) return source;
  const { credentials: _ref, ...rest } = source;
  return rest;
}

/** Decrypted credentials for a fetch, or undefined when the service has none. Only the deploy runner calls this. */
export async function readGitCredentials(
  deps: CredentialsDeps,
  serviceId: string,
): Promise<GitCredentials | undefined> {
  const stored = await findCredentials(deps.db, serviceId);
  if (!stored) return undefined;
  const secret = deps.secretBox.decrypt(stored.secretEncrypted);
  if (stored.kind === 'ssh-key') return { sshPrivateKey: secret };
  return stored.username === null ? { token: secret } : { token: secret, username: stored.username };
}

/** Removes the credentials of a service (the panel's "Remove"); says whether there were any. */
export async function removeCredentials(db: Db, serviceId: string): Promise<boolean> {
  return deleteCredentials(db, serviceId);
}
