/** Allow-lists for what people send when creating or changing a database. */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { AppError } from '../errors.js';
import { ENGINE_NAMES, isEngineName, type EngineName } from './engines/index.js';

const VERSION = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
export const MIN_BACKUP_KEEP = 1;
export const MAX_BACKUP_KEEP = 100;

function bad(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { details: { [field]: message } });
}

export function checkEngine(raw: unknown): EngineName {
  if (!isEngineName(raw)) throw bad('engine', `Choose an engine: ${ENGINE_NAMES.join(', ')}.`);
  return raw;
}

export function checkVersion(raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string' || !VERSION.test(raw)) {
    throw bad('version', 'The version must be an image tag such as 16 or 10.11 (letters, digits, ".", "_", "-").');
  }
  return raw;
}

/** The image for a version: the configured image's repository with that tag; the configured image when none. */
export function imageFor(configured: string, version: string | undefined): string {
  if (!version) return configured;
  const withoutDigest = configured.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const repository = colon > lastSlash ? withoutDigest.slice(0, colon) : withoutDigest;
  return `${repository}:${version}`;
}

export interface Limits {
  memoryMb: number | null;
  cpus: number | null;
}

export function checkLimits(raw: { memoryMb?: unknown; cpus?: unknown }): Partial<Limits> {
  const limits: Partial<Limits> = {};
  if (raw.memoryMb !== undefined) {
    const m = raw.memoryMb;
    if (m !== null && (!Number.isInteger(m) || (m as number) < 64 || (m as number) > 1_048_576)) {
      throw bad('memoryMb', 'The memory limit must be a whole number of MB from 64 to 1048576 (or empty for none).');
    }
    limits.memoryMb = m as number | null;
  }
  if (raw.cpus !== undefined) {
    const c = raw.cpus;
    if (c !== null && (typeof c !== 'number' || !Number.isFinite(c) || c < 0.1 || c > 256)) {
      throw bad('cpus', 'The CPU limit must be a number of CPUs from 0.1 to 256 (or empty for none).');
    }
    limits.cpus = c as number | null;
  }
  return limits;
}

/** Addresses that mean "every interface" or "only this machine", whatever the interfaces are. */
const ALWAYS_LOCAL = ['0.0.0.0', '127.0.0.1', '::'];

/** One spelling per address (`::0` and `::` are the same), so addresses compare as strings. */
function canonical(address: string): string {
  if (isIP(address) !== 6) return address;
  return new URL(`http://[${address.split('%')[0]}]/`).hostname.slice(1, -1);
}

/** The addresses this host can bind: its interfaces' addresses plus the wildcard and loopback ones. */
export function localAddresses(): Set<string> {
  const found = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
  return new Set([...ALWAYS_LOCAL, ...found].map(canonical));
}

/**
 * Where a public port is bound: an address of this host (default 127.0.0.1, only this machine), and a
 * port from 1024 (lower ones belong to system services and the proxy). Any other IP literal would make
 * the engine fail to bind, so it is refused here, before the running container is touched.
 */
export function checkPublicAccess(
  raw: { host?: unknown; port?: unknown },
  local: Set<string> = localAddresses(),
): { host: string; port: number } {
  const host = raw.host === undefined || raw.host === '' ? '127.0.0.1' : raw.host;
  if (typeof host !== 'string' || isIP(host) === 0) {
    throw bad('host', 'The address must be an IP address of this server, such as 127.0.0.1 or 0.0.0.0.');
  }
  if (!local.has(canonical(host))) {
    const offered = [...local].join(', ');
    throw new AppError('ADDRESS_NOT_LOCAL', `${host} is not an address of this server; use one of: ${offered}.`, {
      details: { host: 'not an address of this server' },
    });
  }
  const port = raw.port;
  if (!Number.isInteger(port) || (port as number) < 1024 || (port as number) > 65535) {
    throw bad('port', 'The port must be a whole number from 1024 to 65535.');
  }
  return { host: canonical(host), port: port as number };
}

export function checkKeep(raw: unknown): number {
  if (!Number.isInteger(raw) || (raw as number) < MIN_BACKUP_KEEP || (raw as number) > MAX_BACKUP_KEEP) {
    throw bad('keep', `Keep between ${MIN_BACKUP_KEEP} and ${MAX_BACKUP_KEEP} backups.`);
  }
  return raw as number;
}

/** Destructive actions need the database's name typed back. */
export function checkConfirmation(name: string, raw: unknown): void {
  if (raw !== name) {
    throw new AppError('CONFIRMATION_REQUIRED', `Type the database's name ("${name}") to confirm.`, {
      details: { confirm: 'must equal the database name' },
    });
  }
}
