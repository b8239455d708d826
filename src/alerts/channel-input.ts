/**
 * Validates what people send to create or change a notification channel, against allow-lists. Produces
 * the stored settings and, apart, the secret (never stored in the settings, never echoed).
 */
import { isIP } from 'node:net';
import { AppError } from '../errors.js';
import {
  CHANNEL_KINDS,
  type Channel,
  type ChannelKind,
  type ChannelSettings,
  type EmailSecurity,
} from './alert.types.js';
import { parseChannelUrl } from './destination.js';

export interface ChannelInput {
  name?: unknown;
  kind?: unknown;
  projectId?: unknown;
  enabled?: unknown;
  rateLimitPerHour?: unknown;
  url?: unknown;
  /** Webhook signing secret, or SMTP password. */
  secret?: unknown;
  host?: unknown;
  port?: unknown;
  security?: unknown;
  username?: unknown;
  from?: unknown;
  to?: unknown;
}

export interface ValidChannel {
  name: string;
  kind: ChannelKind;
  projectId: string | null;
  enabled: boolean;
  rateLimitPerHour: number;
  settings: ChannelSettings;
  /** undefined: keep the stored secret (or none). */
  secret: string | undefined;
}

const NAME = /^[\p{L}\p{N} ._#@()-]{1,64}$/u;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const EMAIL = /^[^\s@<>(),;:"]{1,64}@[a-z0-9.-]{1,253}$/i;
const SECURITIES: readonly EmailSecurity[] = ['tls', 'starttls', 'none'];
const MAX_RECIPIENTS = 10;
export const DEFAULT_RATE_LIMIT_PER_HOUR = 20;

class Problems {
  readonly details: Record<string, string> = {};
  add(field: string, why: string) {
    this.details[field] ??= why;
  }
  throwIfAny() {
    const fields = Object.keys(this.details);
    if (fields.length === 0) return;
    const text = fields.map((f) => `${f}: ${this.details[f]}`).join('; ');
    throw new AppError('VALIDATION_FAILED', `The channel is not valid (${text}).`, { details: this.details });
  }
}

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : undefined);

function toBoolean(value: unknown, fallback: boolean): boolean | undefined {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'on' || value === '1') return true;
  if (value === 'false' || value === 'off' || value === '0') return false;
  return undefined;
}

function toInteger(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

function recipients(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : undefined;
  const cleaned = list?.map((v) => (typeof v === 'string' ? v.trim() : '')).filter((v) => v !== '');
  if (!cleaned || cleaned.length === 0 || cleaned.length > MAX_RECIPIENTS) return undefined;
  return cleaned.every((v) => EMAIL.test(v)) ? cleaned : undefined;
}

function emailSettings(input: ChannelInput, problems: Problems, previous?: ChannelSettings): ChannelSettings {
  const before = previous && 'host' in previous ? previous : undefined;
  const host = text(input.host) ?? before?.host ?? '';
  if (!(HOSTNAME.test(host) || isIP(host.replace(/^\[|\]$/g, ''))))
    problems.add('host', 'must be a host name or an IP address');
  const port = input.port === undefined || input.port === '' ? (before?.port ?? 587) : toInteger(input.port);
  if (port === undefined || port < 1 || port > 65535) problems.add('port', 'must be a port number (1-65535)');
  const security = (text(input.security) ?? before?.security ?? 'starttls') as EmailSecurity;
  if (!SECURITIES.includes(security)) problems.add('security', 'must be tls, starttls or none');
  const username = input.username === undefined ? (before?.username ?? null) : text(input.username) || null;
  if (username !== null && (username.length > 256 || /[\r\n]/.test(username))) problems.add('username', 'is not valid');
  const from = text(input.from) ?? before?.from ?? '';
  if (!EMAIL.test(from)) problems.add('from', 'must be an email address');
  const to = input.to === undefined ? before?.to : recipients(input.to);
  if (!to) problems.add('to', `must be 1 to ${MAX_RECIPIENTS} email addresses`);
  return { host, port: port ?? 0, security, username, from, to: to ?? [] };
}

/** `previous`: the stored channel when changing one (its kind stays; omitted fields keep their values). */
export function validateChannel(input: ChannelInput, previous?: Channel): ValidChannel {
  const problems = new Problems();
  const name = text(input.name) ?? previous?.name ?? '';
  if (!NAME.test(name)) problems.add('name', 'must be 1-64 letters, digits, spaces or ._#@()-');
  const kind = (previous?.kind ?? text(input.kind)) as ChannelKind;
  if (!CHANNEL_KINDS.includes(kind)) problems.add('kind', `must be one of ${CHANNEL_KINDS.join(', ')}`);
  const projectRaw = input.projectId === undefined ? previous?.projectId : input.projectId;
  const projectId = typeof projectRaw === 'string' && projectRaw !== '' ? projectRaw : null;
  if (projectRaw !== undefined && projectRaw !== null && typeof projectRaw !== 'string')
    problems.add('projectId', 'must be a project id or null');
  const enabled = toBoolean(input.enabled, previous?.enabled ?? true);
  if (enabled === undefined) problems.add('enabled', 'must be true or false');
  const rate =
    input.rateLimitPerHour === undefined || input.rateLimitPerHour === ''
      ? (previous?.rateLimitPerHour ?? DEFAULT_RATE_LIMIT_PER_HOUR)
      : toInteger(input.rateLimitPerHour);
  if (rate === undefined || rate < 1 || rate > 1000)
    problems.add('rateLimitPerHour', 'must be a whole number from 1 to 1000');
  const secretRaw = input.secret === undefined || input.secret === '' ? undefined : input.secret;
  if (secretRaw !== undefined && (typeof secretRaw !== 'string' || secretRaw.length > 256 || /[\r\n]/.test(secretRaw)))
    problems.add('secret', 'must be at most 256 characters on one line');
  if (kind === 'webhook' && typeof secretRaw === 'string' && secretRaw.length < 16)
    problems.add('secret', 'must be at least 16 characters (or leave it empty and Berth makes one)');

  let settings: ChannelSettings = { url: '' };
  if (kind === 'email') settings = emailSettings(input, problems, previous?.settings);
  else if (CHANNEL_KINDS.includes(kind)) {
    const previousUrl = previous && 'url' in previous.settings ? previous.settings.url : undefined;
    try {
      settings = { url: parseChannelUrl(input.url ?? previousUrl).toString() };
    } catch (error) {
      problems.add('url', error instanceof AppError ? String(error.details?.url ?? error.message) : 'is not valid');
    }
  }
  problems.throwIfAny();
  return {
    name,
    kind,
    projectId,
    enabled: enabled!,
    rateLimitPerHour: rate!,
    settings,
    secret: secretRaw as string | undefined,
  };
}

/** The host a channel connects to (for the address check at save time). */
export function destinationHost(settings: ChannelSettings): string {
  return 'url' in settings ? new URL(settings.url).hostname : settings.host;
}
