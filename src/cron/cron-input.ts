/**
 * Validation of a cron job as a caller gives it (API JSON or panel form), by allow-list: a 5- or 6-field
 * schedule node-cron accepts, an IANA time zone Intl knows, a command as argv (array) or a shell string
 * (run by the image's `/bin/sh -c`), an overlap policy, bounded timeout and retries. Every refusal is a
 * VALIDATION_FAILED (422) naming the field. Pure.
 */
import { AppError } from '../errors.js';
import { isValidCronExpression } from '../jobs/scheduler.js';
import {
  MAX_RETRIES,
  MAX_TIMEOUT_SECONDS,
  OVERLAP_POLICIES,
  type CronCommand,
  type CronJob,
  type CronJobInput,
  type OverlapPolicy,
} from './cron.types.js';

const NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
const MAX_COMMAND_CHARS = 4096;
const MAX_ARGS = 64;

function refuse(field: string, message: string): never {
  throw new AppError('VALIDATION_FAILED', message, { details: { [field]: message } });
}

export function validateSchedule(value: unknown): string {
  if (typeof value !== 'string') refuse('schedule', 'The schedule must be a cron expression.');
  const schedule = value.trim().replace(/\s+/g, ' ');
  const fields = schedule.split(' ').length;
  if ((fields !== 5 && fields !== 6) || !isValidCronExpression(schedule)) {
    refuse('schedule', `"${schedule}" is not a valid cron schedule (5 fields, or 6 with seconds first).`);
  }
  return schedule;
}

export function validateTimezone(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) {
    refuse('timezone', 'The time zone must be an IANA name such as Europe/Berlin or UTC.');
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    refuse('timezone', `"${value}" is not a time zone this server knows (an IANA name such as Europe/Berlin).`);
  }
}

export function validateCommand(value: unknown): CronCommand {
  if (typeof value === 'string') {
    const shell = value.trim();
    if (!shell) refuse('command', 'The command is empty.');
    if (shell.length > MAX_COMMAND_CHARS) refuse('command', 'The command is too long.');
    if (shell.includes('\0')) refuse('command', 'The command contains a NUL character.');
    return { shell };
  }
  if (Array.isArray(value)) {
    if (value.length === 0 || value.length > MAX_ARGS)
      refuse('command', `The command needs 1 to ${MAX_ARGS} arguments.`);
    if (!value.every((a) => typeof a === 'string' && !a.includes('\0'))) {
      refuse('command', 'Every argument of the command must be a string.');
    }
    const argv = value as string[];
    if (!argv[0]) refuse('command', 'The program (first argument) is empty.');
    if (argv.join(' ').length > MAX_COMMAND_CHARS) refuse('command', 'The command is too long.');
    return { argv };
  }
  refuse('command', 'The command must be a list of arguments or a string for /bin/sh -c.');
}

export function validateOverlap(value: unknown): OverlapPolicy {
  if (!OVERLAP_POLICIES.includes(value as OverlapPolicy)) {
    refuse('overlap', `The overlap policy must be one of ${OVERLAP_POLICIES.join(', ')}.`);
  }
  return value as OverlapPolicy;
}

function validateInteger(field: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    refuse(field, `${field} must be a whole number from ${min} to ${max}.`);
  }
  return n;
}

export function validateName(value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    refuse('name', 'The name must be 1 to 40 lowercase letters, digits or dashes (not at either end).');
  }
  return value;
}

/** A whole job from untrusted input; `current` fills the fields an update leaves out. */
export function parseCronJobInput(raw: Record<string, unknown>, current?: CronJob): CronJobInput {
  const pick = (key: keyof CronJobInput) => (raw[key] !== undefined ? raw[key] : current?.[key]);
  const enabled = pick('enabled');
  if (enabled !== undefined && typeof enabled !== 'boolean') refuse('enabled', 'enabled must be true or false.');
  return {
    name: validateName(pick('name')),
    schedule: validateSchedule(pick('schedule')),
    timezone: validateTimezone(pick('timezone') ?? 'UTC'),
    command: raw.command === undefined && current ? current.command : validateCommand(raw.command),
    overlap: validateOverlap(pick('overlap') ?? 'skip'),
    timeoutSeconds: validateInteger('timeoutSeconds', pick('timeoutSeconds') ?? 3600, 1, MAX_TIMEOUT_SECONDS),
    retries: validateInteger('retries', pick('retries') ?? 0, 0, MAX_RETRIES),
    enabled: enabled ?? true,
  };
}
