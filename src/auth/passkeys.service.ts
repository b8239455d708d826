/**
 * Passkeys (WebAuthn): adding one from the account page, naming, renaming and removing it, and signing in
 * with one, either as the second factor after a password or alone (a discoverable passkey with user
 * verification). Each ceremony answers a challenge stored here and taken once; a signature counter that
 * does not move forward is refused; a credential only ever signs in the user it belongs to.
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import {
  claimPasskeyUse,
  countPasskeysOf,
  deletePasskey,
  findPasskeyByCredentialId,
  insertPasskey,
  listPasskeysOf,
  renamePasskey as renamePasskeyRow,
  saveChallenge,
  takeChallenge,
  type ChallengePurpose,
  type PasskeyRow,
} from './passkeys.repository.js';
import { assertSecondFactorRemains } from './two-factor.service.js';
import { findUserById } from './users.repository.js';
import {
  authenticationOptions,
  CEREMONY_TIMEOUT_MS,
  registrationOptions,
  verifyAuthentication,
  verifyRegistration,
  type AuthenticationResponseJSON,
  type CreationOptions,
  type RegistrationResponseJSON,
  type RelyingParty,
  type RequestOptions,
  type StoredCredential,
} from './webauthn.js';

export interface PasskeysDeps {
  db: Db;
  rp: RelyingParty;
  now?: () => number;
}

/** A passkey as the account page shows it (no key material). */
export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export type SignInPurpose = Exclude<ChallengePurpose, 'register'>;

export const PASSKEY_NAME_MAX = 60;
/** A challenge outlives the browser's own timeout a little, then it is gone. */
const CHALLENGE_TTL_MS = CEREMONY_TIMEOUT_MS + 60_000;

const nowOf = (deps: PasskeysDeps) => (deps.now ?? Date.now)();

function refused(message = 'That passkey was not accepted. Try again, or use another way to sign in.'): AppError {
  return new AppError('INVALID_CREDENTIALS', message);
}

function toPasskey(row: PasskeyRow): Passkey {
  return { id: row.id, name: row.name, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt };
}

function toStored(row: PasskeyRow): StoredCredential {
  return {
    credentialId: row.credentialId,
    publicKey: new Uint8Array(Buffer.from(row.publicKey, 'base64url')),
    counter: row.counter,
    transports: row.transports,
  };
}

/** The WebAuthn user handle of an account: its id (opaque, no email), as bytes. */
function userHandleOf(userId: string): Uint8Array {
  return new Uint8Array(Buffer.from(userId, 'utf8'));
}

/** A label of 1 to 60 printable characters. */
export function checkPasskeyName(raw: string): string {
  const name = raw.trim().replace(/\s+/g, ' ');
  // eslint-disable-next-line no-control-regex
  if (name.length === 0 || name.length > PASSKEY_NAME_MAX || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new AppError('VALIDATION_FAILED', `Give the passkey a name of 1 to ${PASSKEY_NAME_MAX} characters.`);
  }
  return name;
}

async function newChallenge(
  deps: PasskeysDeps,
  purpose: ChallengePurpose,
  challenge: string,
  userId: string | null,
): Promise<string> {
  const id = newId('wch');
  const now = nowOf(deps);
  await saveChallenge(deps.db, { id, challenge, purpose, user_id: userId, expires_at: now + CHALLENGE_TTL_MS }, now);
  return id;
}

export async function listPasskeys(deps: PasskeysDeps, userId: string): Promise<Passkey[]> {
  return (await listPasskeysOf(deps.db, userId)).map(toPasskey);
}

export async function hasPasskeys(deps: PasskeysDeps, userId: string): Promise<boolean> {
  return (await countPasskeysOf(deps.db, userId)) > 0;
}

/** Options for navigator.credentials.create(), and the id of their challenge (kept in the session). */
export async function startRegistration(
  deps: PasskeysDeps,
  userId: string,
): Promise<{ challengeId: string; options: CreationOptions }> {
  const user = await findUserById(deps.db, userId);
  if (!user) throw new AppError('NOT_FOUND', 'No such account.');
  const existing = (await listPasskeysOf(deps.db, userId)).map(toStored);
  const options = await registrationOptions(deps.rp, { handle: userHandleOf(userId), name: user.email }, existing);
  return { challengeId: await newChallenge(deps, 'register', options.challenge, userId), options };
}

/** Checks the browser's answer to the registration challenge and stores the passkey under `name`. */
export async function finishRegistration(
  deps: PasskeysDeps,
  userId: string,
  challengeId: string | undefined,
  response: RegistrationResponseJSON,
  rawName: string,
): Promise<Passkey> {
  const name = checkPasskeyName(rawName);
  const taken = challengeId ? await takeChallenge(deps.db, challengeId, 'register', nowOf(deps)) : undefined;
  if (!taken || taken.userId !== userId) {
    throw new AppError('CONFLICT', 'That passkey request expired or was already used. Add the passkey again.');
  }
  const credential = await verifyRegistration(deps.rp, response, taken.challenge);
  if (await findPasskeyByCredentialId(deps.db, credential.credentialId)) {
    throw new AppError('CONFLICT', 'That passkey is already registered.');
  }
  const row = {
    id: newId('pk'),
    userId,
    credentialId: credential.credentialId,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: credential.transports.filter((t) => /^[a-z-]{1,20}$/.test(t)).slice(0, 8),
    name,
    createdAt: nowIso(),
  };
  await insertPasskey(deps.db, row);
  return toPasskey({ ...row, lastUsedAt: null });
}

export async function renamePasskey(deps: PasskeysDeps, userId: string, id: string, rawName: string): Promise<void> {
  const name = checkPasskeyName(rawName);
  if (!(await renamePasskeyRow(deps.db, userId, id, name))) throw new AppError('NOT_FOUND', 'No such passkey.');
}

/** Removes one of the user's passkeys, unless it is the last second factor of a server that requires one. */
export async function removePasskey(deps: PasskeysDeps, userId: string, id: string): Promise<void> {
  const mine = await listPasskeysOf(deps.db, userId);
  if (!mine.some((p) => p.id === id)) throw new AppError('NOT_FOUND', 'No such passkey.');
  await assertSecondFactorRemains(deps, userId, { kind: 'passkey' });
  await deletePasskey(deps.db, userId, id);
}

/**
 * Options for navigator.credentials.get(): for a second factor, the user's own passkeys; for a sign-in
 * without password, any discoverable passkey, with user verification required.
 */
export async function startSignIn(
  deps: PasskeysDeps,
  purpose: SignInPurpose,
  userId?: string,
): Promise<{ challengeId: string; options: RequestOptions }> {
  const allow = userId ? (await listPasskeysOf(deps.db, userId)).map(toStored) : undefined;
  if (purpose === 'second-factor' && (!userId || allow!.length === 0)) throw refused('This account has no passkey.');
  const options = await authenticationOptions(
    deps.rp,
    purpose === 'second-factor' ? allow : undefined,
    purpose === 'passwordless' ? 'required' : 'preferred',
  );
  return { challengeId: await newChallenge(deps, purpose, options.challenge, userId ?? null), options };
}

/** Whose passkey the answer claims to come from (before any check: the login throttle counts per account). */
export async function ownerOfCredential(deps: PasskeysDeps, credentialId: string): Promise<string | undefined> {
  return (await findPasskeyByCredentialId(deps.db, credentialId))?.userId;
}

/**
 * Checks a sign-in answer: the challenge (taken once, of this purpose), the credential (registered, and the
 * expected user's for a second factor), the signature, user verification for a sign-in without password,
 * and a counter that moved forward. Returns the user signed in. Throws INVALID_CREDENTIALS otherwise.
 */
export async function finishSignIn(
  deps: PasskeysDeps,
  purpose: SignInPurpose,
  challengeId: string | undefined,
  response: AuthenticationResponseJSON,
  expectedUserId?: string,
): Promise<{ userId: string; passkeyId: string }> {
  const taken = challengeId ? await takeChallenge(deps.db, challengeId, purpose, nowOf(deps)) : undefined;
  if (!taken) throw refused('That sign-in request expired or was already used. Try again.');
  const row = await findPasskeyByCredentialId(deps.db, response.id);
  if (!row) throw refused();
  if (taken.userId !== null && taken.userId !== row.userId) throw refused();
  if (expectedUserId !== undefined && expectedUserId !== row.userId) throw refused();
  const handle = response.response.userHandle;
  // A discoverable passkey names its user; it must be the credential's own.
  if (purpose === 'passwordless' && !handle) throw refused();
  if (handle && handle !== Buffer.from(userHandleOf(row.userId)).toString('base64url')) throw refused();
  const stored = toStored(row);
  const newCounter = await verifyAuthentication(deps.rp, response, taken.challenge, stored, purpose === 'passwordless');
  if (!(await claimPasskeyUse(deps.db, row.id, row.counter, newCounter, nowIso()))) throw refused();
  return { userId: row.userId, passkeyId: row.id };
}
