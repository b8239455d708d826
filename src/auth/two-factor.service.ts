/**
 * Two-factor authentication with TOTP: enrolment (a secret shown as a QR code, confirmed by a first code),
 * recovery codes, the second step of a login, and turning it off. The secret is sealed with the SecretBox
 * like variables are; recovery codes are stored hashed and are spent once.
 */
import type { Db } from '../db/connection.js';
import { inTransaction } from '../db/executor.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import type { SecretBox } from '../lib/secret-box.js';
import { qrCodeSvg } from './qr-code.js';
import { hashRecoveryCode, newRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes.js';
import { countPasskeysOf } from './passkeys.repository.js';
import { readSetting, writeSetting } from './settings.repository.js';
import { matchTotpStep, newTotpSecret, totpUri } from './totp.js';
import {
  claimTotpStep,
  countUnusedRecoveryCodes,
  deleteTotp,
  enableTotp,
  findTotp,
  replaceRecoveryCodes,
  savePendingTotp,
  useRecoveryCode,
} from './two-factor.repository.js';
import { findUserById } from './users.repository.js';
import { checkPasswordOf } from './users.service.js';

export interface TwoFactorDeps {
  db: Db;
  secretBox: SecretBox;
}

export interface TwoFactorStatus {
  isEnabled: boolean;
  recoveryCodesLeft: number;
}

export interface Enrolment {
  secret: string;
  uri: string;
  qrSvg: string;
}

const REQUIRE_SETTING = 'require_two_factor';

function wrongCode(message = 'That code is not right. Check the time on your phone and try the current code.') {
  return new AppError('INVALID_CREDENTIALS', message);
}

export async function twoFactorStatus(deps: TwoFactorDeps, userId: string): Promise<TwoFactorStatus> {
  const row = await findTotp(deps.db, userId);
  const isEnabled = Boolean(row?.enabledAt);
  return { isEnabled, recoveryCodesLeft: isEnabled ? await countUnusedRecoveryCodes(deps.db, userId) : 0 };
}

export async function isTwoFactorEnabled(deps: TwoFactorDeps, userId: string): Promise<boolean> {
  return Boolean((await findTotp(deps.db, userId))?.enabledAt);
}

async function enrolmentOf(secret: string, email: string): Promise<Enrolment> {
  const uri = totpUri(secret, email);
  return { secret, uri, qrSvg: await qrCodeSvg(uri) };
}

/** A new secret waiting for its first code (replaces an unconfirmed one). */
export async function startEnrolment(deps: TwoFactorDeps, userId: string): Promise<Enrolment> {
  const user = await findUserById(deps.db, userId);
  if (!user) throw new AppError('NOT_FOUND', 'No such account.');
  if (await isTwoFactorEnabled(deps, userId)) {
    throw new AppError('CONFLICT', 'Two-factor authentication is already on. Turn it off first to enrol a new device.');
  }
  const secret = newTotpSecret();
  await savePendingTotp(deps.db, userId, deps.secretBox.encrypt(secret), nowIso());
  return enrolmentOf(secret, user.email);
}

/** The enrolment waiting for its first code, to show again (after a wrong code), or undefined. */
export async function pendingEnrolment(deps: TwoFactorDeps, userId: string): Promise<Enrolment | undefined> {
  const row = await findTotp(deps.db, userId);
  const user = await findUserById(deps.db, userId);
  if (!row || row.enabledAt || !user) return undefined;
  return enrolmentOf(deps.secretBox.decrypt(row.secretEncrypted), user.email);
}

/** The first code turns two-factor on; returns the recovery codes (shown once, stored hashed). */
export async function confirmEnrolment(deps: TwoFactorDeps, userId: string, code: string): Promise<string[]> {
  const row = await findTotp(deps.db, userId);
  if (!row || row.enabledAt) throw new AppError('CONFLICT', 'There is no enrolment waiting for a code. Start again.');
  const step = matchTotpStep(deps.secretBox.decrypt(row.secretEncrypted), code);
  if (step === undefined) throw wrongCode();
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await inTransaction(deps.db, async (trx) => {
    await enableTotp(trx, userId, nowIso(), step);
    await replaceRecoveryCodes(
      trx,
      userId,
      codes.map((c) => ({ id: newId('rec'), hash: hashRecoveryCode(normalizeRecoveryCode(c)!) })),
    );
  });
  return codes;
}

/**
 * Checks a second factor: a current TOTP code (each time step once) or an unused recovery code (spent now).
 * Throws INVALID_CREDENTIALS otherwise.
 */
export async function verifySecondFactor(
  deps: TwoFactorDeps,
  userId: string,
  rawCode: string,
): Promise<'totp' | 'recovery'> {
  const row = await findTotp(deps.db, userId);
  if (!row?.enabledAt) throw wrongCode();
  const step = matchTotpStep(deps.secretBox.decrypt(row.secretEncrypted), rawCode);
  if (step !== undefined) {
    if (await claimTotpStep(deps.db, userId, step)) return 'totp';
    throw wrongCode('That code was already used. Wait for the next code from your app.');
  }
  const recovery = normalizeRecoveryCode(rawCode);
  if (recovery && (await useRecoveryCode(deps.db, userId, hashRecoveryCode(recovery), nowIso()))) return 'recovery';
  throw wrongCode();
}

/** Turns two-factor off, after a current code (or recovery code) or the account's password. */
export async function disableTwoFactor(
  deps: TwoFactorDeps,
  userId: string,
  proof: { code?: string; password?: string },
): Promise<void> {
  if (!(await isTwoFactorEnabled(deps, userId))) {
    await deleteTotp(deps.db, userId);
    return;
  }
  await assertSecondFactorRemains(deps, userId, { kind: 'authenticator-app' });
  if (proof.code) await verifySecondFactor(deps, userId, proof.code);
  else if (!proof.password || !(await checkPasswordOf(deps.db, userId, proof.password))) {
    throw new AppError('INVALID_CREDENTIALS', 'Enter a current code from your app or your password.');
  }
  await deleteTotp(deps.db, userId);
}

/** "Require two-factor for everyone": people without it are sent to enrolment after a password login. */
export async function isTwoFactorRequired(deps: TwoFactorDeps): Promise<boolean> {
  return (await readSetting(deps.db, REQUIRE_SETTING)) === 'true';
}

export async function setTwoFactorRequired(deps: TwoFactorDeps, isRequired: boolean): Promise<void> {
  await writeSetting(deps.db, REQUIRE_SETTING, isRequired ? 'true' : 'false');
}

/** A second factor a user is about to remove. */
export type RemovedSecondFactor = { kind: 'authenticator-app' } | { kind: 'passkey' };

/**
 * The one rule for removing a second factor: while the server requires two-factor, a user keeps at least
 * one (an authenticator app or a passkey, either counts). Removing the app is fine when a passkey remains,
 * and the last passkey may go when the app is on. Both removal paths (disabling the app, removing a
 * passkey) ask here.
 */
export async function assertSecondFactorRemains(
  deps: Pick<TwoFactorDeps, 'db'>,
  userId: string,
  removing: RemovedSecondFactor,
): Promise<void> {
  if ((await readSetting(deps.db, REQUIRE_SETTING)) !== 'true') return;
  const hasApp = Boolean((await findTotp(deps.db, userId))?.enabledAt);
  const passkeys = await countPasskeysOf(deps.db, userId);
  const left =
    (hasApp && removing.kind !== 'authenticator-app' ? 1 : 0) + passkeys - (removing.kind === 'passkey' ? 1 : 0);
  if (left < 1) {
    throw new AppError(
      'CONFLICT',
      removing.kind === 'passkey'
        ? 'This server requires two-factor authentication: add another passkey or an authenticator app first.'
        : 'This server requires two-factor authentication: add a passkey before turning the authenticator app off.',
    );
  }
}
