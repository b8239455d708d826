/**
 * The value readers every config-*.ts file shares: each reads one variable from the environment map it is
 * handed (src/config.ts passes the process environment) and fails with one line naming the variable.
 */
import { AppError } from './errors.js';

export type Env = Record<string, string | undefined>;

export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function fail(variable: string, message: string): never {
  throw new AppError('CONFIG_INVALID', `${variable} ${message}`);
}

export function readPort(env: Env, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    fail(variable, `must be a port number between 1 and 65535, got "${raw}"`);
  }
  return Number(raw);
}

export function readSeconds(env: Env, variable: string, fallback: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback * 1000;
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) > max)
    fail(variable, `must be a number of seconds from 0 to ${max}, got "${raw}"`);
  return Math.round(Number(raw) * 1000);
}

export function readInteger(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    fail(variable, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

export function readChoice<T extends string>(env: Env, variable: string, choices: readonly T[], fallback: T): T {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (!(choices as readonly string[]).includes(raw))
    fail(variable, `must be one of ${choices.join(', ')}, got "${raw}"`);
  return raw as T;
}

export function readListenAddress(env: Env, variable: string): string {
  const raw = env[variable] ?? '0.0.0.0';
  if (!/^[0-9a-fA-F.:]+$|^localhost$/.test(raw)) fail(variable, `must be an IP address to listen on, got "${raw}"`);
  return raw;
}

export function readBoolean(env: Env, variable: string, fallback: boolean): boolean {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  return fail(variable, `must be true or false, got "${raw}"`);
}

export function readHostname(env: Env, variable: string): string | undefined {
  const raw = env[variable];
  if (raw === undefined || raw === '') return undefined;
  const host = raw.toLowerCase().replace(/\.$/, '');
  if (!HOSTNAME.test(host)) fail(variable, `must be a hostname such as panel.example.com, got "${raw}"`);
  return host;
}

export function readUrl(env: Env, variable: string, fallback: string): string {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(variable, `must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail(variable, `must be an http(s) URL, got "${raw}"`);
  }
  return url.href.replace(/\/$/, '');
}

export function readPath(env: Env, variable: string): string | undefined {
  const raw = env[variable];
  if (raw === undefined || raw === '') return undefined;
  if (/[\0\r\n]/.test(raw)) fail(variable, 'must be a plain file path');
  return raw;
}

export function readOptionalPort(env: Env, variable: string, fallback: number): number | null {
  const raw = env[variable];
  if (raw === 'off') return null;
  if (raw !== undefined && raw !== '' && !/^\d{1,5}$/.test(raw))
    fail(variable, `must be a port number or "off", got "${raw}"`);
  return readPort(env, variable, fallback);
}
