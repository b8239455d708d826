/** SQL for two-factor authentication: each user's TOTP secret (sealed) and their recovery codes (hashed). */
import type { Executor } from '../db/executor.js';

export interface TotpRow {
  secretEncrypted: string;
  enabledAt: string | null;
  lastStep: number | null;
}

export async function findTotp(db: Executor, userId: string): Promise<TotpRow | undefined> {
  const row = await db
    .selectFrom('user_totp')
    .select(['secret_encrypted', 'enabled_at', 'last_step'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row && { secretEncrypted: row.secret_encrypted, enabledAt: row.enabled_at, lastStep: row.last_step };
}

/** Starts (or restarts) an enrolment: a new secret, not enabled yet. */
export async function savePendingTotp(
  db: Executor,
  userId: string,
  secretEncrypted: string,
  at: string,
): Promise<void> {
  const values = { secret_encrypted: secretEncrypted, enabled_at: null, last_step: null, created_at: at };
  await db
    .insertInto('user_totp')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}

export async function enableTotp(db: Executor, userId: string, at: string, step: number): Promise<void> {
  await db.updateTable('user_totp').set({ enabled_at: at, last_step: step }).where('user_id', '=', userId).execute();
}

/**
 * Records `step` as used, only if it is later than the last used one. False when another request already
 * used this step (or a later one): the check and the write are one statement, so two requests with the same
 * code cannot both pass.
 */
export async function claimTotpStep(db: Executor, userId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('user_totp')
    .set({ last_step: step })
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteTotp(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom('user_totp').where('user_id', '=', userId).execute();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
}

export async function replaceRecoveryCodes(
  db: Executor,
  userId: string,
  codes: Array<{ id: string; hash: string }>,
): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('recovery_codes')
    .values(codes.map((c) => ({ id: c.id, user_id: userId, code_hash: c.hash, used_at: null })))
    .execute();
}

/** Spends an unused recovery code of the user; false when there is none with that hash. */
export async function useRecoveryCode(db: Executor, userId: string, hash: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: at })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function countUnusedRecoveryCodes(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
