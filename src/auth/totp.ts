/**
 * The only importer of otpauth: TOTP (RFC 6238) with the parameters every authenticator app understands
 * (SHA-1, 6 digits, 30-second steps). A code is accepted one step either side of now (clock drift), and the
 * caller learns which step matched so it can refuse that step, and earlier ones, next time (no replay).
 */
import { Secret, TOTP } from 'otpauth';

const PERIOD = 30;
const DIGITS = 6;
const CODE = /^[0-9]{6}$/;

function totpOf(secretBase32: string, label = 'berth'): TOTP {
  return new TOTP({
    issuer: 'Berth',
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new random 160-bit secret, base32 (what people type when they cannot scan). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI a QR code carries. */
export function totpUri(secretBase32: string, account: string): string {
  return totpOf(secretBase32, account).toString();
}

/** The time step the code belongs to (within one step of `now`), or undefined for a wrong code. */
export function matchTotpStep(secretBase32: string, rawCode: string, now = Date.now()): number | undefined {
  const code = rawCode.replace(/\s+/g, '');
  if (!CODE.test(code)) return undefined;
  const delta = totpOf(secretBase32).validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return undefined;
  return TOTP.counter({ period: PERIOD, timestamp: now }) + delta;
}
