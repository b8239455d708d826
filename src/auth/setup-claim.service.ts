/**
 * First-run claim: while no admin exists, each daemon start issues a fresh one-time token (only its hash
 * is stored) and prints the setup URL. The token creates the first admin once; then it is gone.
 */
import type { Db } from '../db/connection.js';
import { inTransaction } from '../db/executor.js';
import { AppError } from '../errors.js';
import { randomToken, isSameSecret, sha256Hex } from '../lib/secrets.js';
import { hasAdmin, createAdmin } from './users.service.js';
import type { User } from './users.repository.js';
import { deleteSetting, readSetting, writeSetting } from './settings.repository.js';

const SETTING = 'setup_token_hash';

/** Issues a new setup token when the install is unclaimed; returns undefined once an admin exists. */
export async function issueSetupToken(db: Db): Promise<string | undefined> {
  if (await hasAdmin(db)) {
    await deleteSetting(db, SETTING);
    return undefined;
  }
  const token = randomToken('', 24);
  await writeSetting(db, SETTING, sha256Hex(token));
  return token;
}

export async function isSetupOpen(db: Db): Promise<boolean> {
  const hash = await readSetting(db, SETTING);
  return hash !== undefined && !(await hasAdmin(db));
}

export async function isSetupTokenValid(db: Db, token: unknown): Promise<boolean> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 200) return false;
  const hash = await readSetting(db, SETTING);
  return hash !== undefined && isSameSecret(hash, sha256Hex(token));
}

/** Creates the first admin. The token check, the admin insert and the token removal happen in one transaction. */
export async function claimInstall(
  db: Db,
  input: { token: unknown; email: unknown; password: unknown },
): Promise<User> {
  return inTransaction(db, async (trx) => {
    if (await hasAdmin(trx))
      throw new AppError('SETUP_ALREADY_DONE', 'This Berth has already been claimed. Log in instead.');
    if (!(await isSetupTokenValid(trx, input.token))) {
      throw new AppError('SETUP_TOKEN_INVALID', 'This setup link is not valid. Use the link printed in the Berth log.');
    }
    const user = await createAdmin(trx, input);
    await deleteSetting(trx, SETTING);
    return user;
  });
}
