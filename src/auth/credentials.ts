/** Allow-list validation of what people type when they create an account or a token. */
import { AppError } from '../errors.js';

const EMAIL = /^[a-zA-Z0-9._%+-]{1,64}@[a-zA-Z0-9.-]{1,253}\.[a-zA-Z]{2,63}$/;
const TOKEN_NAME = /^[a-zA-Z0-9][a-zA-Z0-9 _.-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 10;
// bcrypt ignores bytes after the 72nd, so longer passwords would silently be truncated.
export const MAX_PASSWORD_BYTES = 72;

export function normalizeEmail(raw: unknown): string {
  const email = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (!EMAIL.test(email)) {
    throw new AppError('VALIDATION_FAILED', 'Enter a valid email address, like you@example.com.', {
      details: { email: 'must look like you@example.com' },
    });
  }
  return email;
}

export function checkPassword(raw: unknown): string {
  const password = typeof raw === 'string' ? raw : '';
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError('VALIDATION_FAILED', `The password must be at least ${MIN_PASSWORD_LENGTH} characters.`, {
      details: { password: `at least ${MIN_PASSWORD_LENGTH} characters` },
    });
  }
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
    throw new AppError('VALIDATION_FAILED', `The password must be at most ${MAX_PASSWORD_BYTES} bytes.`, {
      details: { password: `at most ${MAX_PASSWORD_BYTES} bytes` },
    });
  }
  return password;
}

export function checkTokenName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim() : '';
  if (!TOKEN_NAME.test(name)) {
    throw new AppError(
      'VALIDATION_FAILED',
      'A token name is 1 to 64 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit.',
      { details: { name: 'letters, digits, space . _ - (max 64)' } },
    );
  }
  return name;
}
