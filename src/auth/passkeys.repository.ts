/** SQL for passkeys: each user's WebAuthn credentials, and the short-lived challenges of the ceremonies. */
import type { Executor } from '../db/executor.js';
import type { WebauthnChallengesTable } from '../db/schema.js';

export interface PasskeyRow {
  id: string;
  userId: string;
  credentialId: string;
  /** base64url of the COSE public key. */
  publicKey: string;
  counter: number;
  transports: string[];
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export type ChallengePurpose = WebauthnChallengesTable['purpose'];

const COLUMNS = [
  'id',
  'user_id',
  'credential_id',
  'public_key',
  'counter',
  'transports',
  'name',
  'created_at',
  'last_used_at',
] as const;

function toRow(r: {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  counter: number;
  transports: string | null;
  name: string;
  created_at: string;
  last_used_at: string | null;
}): PasskeyRow {
  return {
    id: r.id,
    userId: r.user_id,
    credentialId: r.credential_id,
    publicKey: r.public_key,
    counter: Number(r.counter),
    transports: r.transports ? r.transports.split(',') : [],
    name: r.name,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  };
}

export async function insertPasskey(db: Executor, row: Omit<PasskeyRow, 'lastUsedAt'>): Promise<void> {
  await db
    .insertInto('passkeys')
    .values({
      id: row.id,
      user_id: row.userId,
      credential_id: row.credentialId,
      public_key: row.publicKey,
      counter: row.counter,
      transports: row.transports.length > 0 ? row.transports.join(',') : null,
      name: row.name,
      created_at: row.createdAt,
      last_used_at: null,
    })
    .execute();
}

export async function listPasskeysOf(db: Executor, userId: string): Promise<PasskeyRow[]> {
  const rows = await db
    .selectFrom('passkeys')
    .select(COLUMNS)
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toRow);
}

export async function countPasskeysOf(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('passkeys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findPasskeyByCredentialId(db: Executor, credentialId: string): Promise<PasskeyRow | undefined> {
  const row = await db
    .selectFrom('passkeys')
    .select(COLUMNS)
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
  return row && toRow(row);
}

/** Renames one of the user's passkeys; false when the user has none with that id. */
export async function renamePasskey(db: Executor, userId: string, id: string, name: string): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ name })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deletePasskey(db: Executor, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Records a use: the new counter and when, only if the counter is still the one the check was made against.
 * False when another request used the passkey in between (the check and the write are one statement).
 */
export async function claimPasskeyUse(
  db: Executor,
  id: string,
  seenCounter: number,
  newCounter: number,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ counter: newCounter, last_used_at: at })
    .where('id', '=', id)
    .where('counter', '=', seenCounter)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Stores a new challenge, and drops the ones that expired unanswered. */
export async function saveChallenge(db: Executor, row: WebauthnChallengesTable, now: number): Promise<void> {
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now).execute();
  await db.insertInto('webauthn_challenges').values(row).execute();
}

/**
 * Takes (deletes) the challenge `id` of `purpose`, if it has not expired: a challenge is answered once.
 * Returns the challenge and whom it was issued to, or undefined.
 */
export async function takeChallenge(
  db: Executor,
  id: string,
  purpose: ChallengePurpose,
  now: number,
): Promise<{ challenge: string; userId: string | null } | undefined> {
  const row = await db
    .deleteFrom('webauthn_challenges')
    .where('id', '=', id)
    .where('purpose', '=', purpose)
    .returning(['challenge', 'user_id', 'expires_at'])
    .executeTakeFirst();
  if (!row || row.expires_at <= now) return undefined;
  return { challenge: row.challenge, userId: row.user_id };
}
