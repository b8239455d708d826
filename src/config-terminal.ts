/**
 * The web terminal's limits, read by src/config.ts (still the only reader of the environment): how long a
 * session may stay silent (BERTH_TERMINAL_IDLE_SECONDS, default 15 minutes, no input and no output) and
 * how long it may last at most (BERTH_TERMINAL_MAX_SECONDS, default 4 hours).
 */
import { AppError } from './errors.js';

type Env = Record<string, string | undefined>;

export interface TerminalConfig {
  readonly terminal: {
    readonly idleTimeoutMs: number;
    readonly maxSessionMs: number;
  };
}

function seconds(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback * 1000;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1 || Number(raw) > max)
    throw new AppError('CONFIG_INVALID', `${name} must be a whole number of seconds from 1 to ${max}, got "${raw}"`);
  return Number(raw) * 1000;
}

export function readTerminalConfig(env: Env): TerminalConfig {
  return {
    terminal: Object.freeze({
      idleTimeoutMs: seconds(env, 'BERTH_TERMINAL_IDLE_SECONDS', 15 * 60, 24 * 3600),
      maxSessionMs: seconds(env, 'BERTH_TERMINAL_MAX_SECONDS', 4 * 3600, 7 * 24 * 3600),
    }),
  };
}
