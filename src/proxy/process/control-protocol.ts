/**
 * The control channel between the daemon and the proxy's process tree: newline-delimited JSON over a
 * unix socket, version 1. Every message is checked against an allow-list of types and fields here,
 * before anything acts on it; anything else is refused with an error reply and changes nothing.
 * Requests carry `v`, a numeric `id` and a `type`; the reply carries the same `id` and `ok`. New types
 * are additive and keep the version: the proxy outlives daemon upgrades, and an older proxy answers a
 * type it does not know with an error the daemon tolerates (traffic.take), where a new version would
 * refuse the daemon's hello outright.
 */
import { AppError } from '../../errors.js';
import type { RouteDefinition, Upstream } from '../route-table.js';

export const PROTOCOL_VERSION = 1;
/** Longest accepted line (a snapshot with many routes and certificates fits easily). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface CertificateEntry {
  hostname: string;
  certPem: string;
  keyPem: string;
}

export interface ChallengeEntry {
  token: string;
  hostname: string;
  answer: string;
}

/** The redirect and HSTS rule of a hostname, and whether it has a valid certificate (HTTP → HTTPS). */
export interface HostEntry {
  hostname: string;
  redirectTo: string | null;
  hsts: boolean;
  https: boolean;
}

/** The settings the daemon may change at run time (the rest comes from the proxy's own environment). */
export interface RuntimeSettings {
  accessLog?: boolean;
}

/** Everything the proxy serves from: what the daemon pushes and the supervisor keeps on disk. */
export interface ProxyState {
  routes: RouteDefinition[];
  unavailable: string[];
  certificates: CertificateEntry[];
  challenges: ChallengeEntry[];
  hosts: HostEntry[];
  settings: RuntimeSettings;
}

export const EMPTY_STATE: ProxyState = Object.freeze({
  routes: [],
  unavailable: [],
  certificates: [],
  challenges: [],
  hosts: [],
  settings: {},
}) as ProxyState;

/** Messages that change the state: the supervisor applies, keeps and fans them out to the workers. */
export type StateChange =
  | { type: 'snapshot'; state: ProxyState }
  | { type: 'route.set'; route: RouteDefinition }
  | { type: 'route.remove'; serviceId: string }
  | { type: 'unavailable.set'; upstreamIds: string[] }
  | { type: 'certificate.set'; certificate: CertificateEntry }
  | { type: 'certificate.remove'; hostname: string }
  | { type: 'challenge.set'; challenge: ChallengeEntry }
  | { type: 'challenge.remove'; token: string }
  | { type: 'hosts.set'; hosts: HostEntry[] }
  | { type: 'settings.set'; settings: RuntimeSettings };

export type Query =
  | { type: 'hello'; token: string }
  | { type: 'drained'; upstreamIds: string[] }
  | { type: 'status' }
  /** What the workers counted since the last take (reply: `batch`, checked by traffic-batch.ts). */
  | { type: 'traffic.take' }
  /** Replace the workers with ones running the code on disk, sockets kept (proxy-handover.ts). */
  | { type: 'upgrade' };

export type Request = (StateChange | Query) & { v: number; id: number };

export interface DrainAnswer {
  /** In-flight requests and WebSockets on the upstreams, summed over every worker. */
  inflight: number;
  /** Upstreams some route still sends new work to. */
  routed: number;
}

type Json = Record<string, unknown>;

function fail(message: string): never {
  throw new AppError('VALIDATION_FAILED', message);
}

function object(value: unknown, what: string, keys: readonly string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} must be an object`);
  for (const key of Object.keys(value)) if (!keys.includes(key)) fail(`${what} has an unknown field "${key}"`);
  return value as Json;
}

function text(value: unknown, what: string, max: number, pattern?: RegExp): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) fail(`${what} must be a string`);
  if (pattern && !pattern.test(value)) fail(`${what} is not valid`);
  return value;
}

function list<T>(value: unknown, what: string, max: number, item: (entry: unknown, what: string) => T): T[] {
  if (!Array.isArray(value) || value.length > max) fail(`${what} must be a list of at most ${max}`);
  return value.map((entry, index) => item(entry, `${what}[${index}]`));
}

const ID = /^[A-Za-z0-9_.:-]+$/;
const HOSTNAME = /^[A-Za-z0-9.*:[\]-]+$/;
const TOKEN = /^[A-Za-z0-9_-]+$/;
const PEM = /^-----BEGIN [A-Z0-9 ]+-----[A-Za-z0-9+/=\s-]+-----END [A-Z0-9 ]+-----\s*$/;

function upstream(value: unknown, what: string): Upstream {
  const raw = object(value, what, ['id', 'host', 'port']);
  const port = raw.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    fail(`${what}.port is not a port`);
  return { id: text(raw.id, `${what}.id`, 200, ID), host: text(raw.host, `${what}.host`, 255, HOSTNAME), port };
}

function route(value: unknown, what: string): RouteDefinition {
  const raw = object(value, what, ['serviceId', 'hostnames', 'upstreams', 'fallback']);
  return {
    serviceId: text(raw.serviceId, `${what}.serviceId`, 200, ID),
    hostnames: list(raw.hostnames, `${what}.hostnames`, 1000, (h, w) => text(h, w, 300, HOSTNAME)),
    upstreams: list(raw.upstreams, `${what}.upstreams`, 1000, upstream),
    fallback: raw.fallback === undefined ? [] : list(raw.fallback, `${what}.fallback`, 1000, upstream),
  };
}

function ids(value: unknown, what: string): string[] {
  return list(value, what, 100_000, (id, w) => text(id, w, 200, ID));
}

function certificate(value: unknown, what: string): CertificateEntry {
  const raw = object(value, what, ['hostname', 'certPem', 'keyPem']);
  return {
    hostname: text(raw.hostname, `${what}.hostname`, 300, HOSTNAME),
    certPem: text(raw.certPem, `${what}.certPem`, 64 * 1024, PEM),
    keyPem: text(raw.keyPem, `${what}.keyPem`, 64 * 1024, PEM),
  };
}

function challenge(value: unknown, what: string): ChallengeEntry {
  const raw = object(value, what, ['token', 'hostname', 'answer']);
  return {
    token: text(raw.token, `${what}.token`, 256, TOKEN),
    hostname: text(raw.hostname, `${what}.hostname`, 300, HOSTNAME),
    answer: text(raw.answer, `${what}.answer`, 1024, /^[A-Za-z0-9_.-]+$/),
  };
}

function host(value: unknown, what: string): HostEntry {
  const raw = object(value, what, ['hostname', 'redirectTo', 'hsts', 'https']);
  if (typeof raw.hsts !== 'boolean' || typeof raw.https !== 'boolean') fail(`${what}: hsts and https are booleans`);
  return {
    hostname: text(raw.hostname, `${what}.hostname`, 300, HOSTNAME),
    redirectTo: raw.redirectTo === null ? null : text(raw.redirectTo, `${what}.redirectTo`, 300, HOSTNAME),
    hsts: raw.hsts,
    https: raw.https,
  };
}

function settings(value: unknown, what: string): RuntimeSettings {
  const raw = object(value, what, ['accessLog']);
  if (raw.accessLog !== undefined && typeof raw.accessLog !== 'boolean') fail(`${what}.accessLog is a boolean`);
  return raw.accessLog === undefined ? {} : { accessLog: raw.accessLog };
}

export function parseState(value: unknown, what = 'state'): ProxyState {
  const raw = object(value, what, ['routes', 'unavailable', 'certificates', 'challenges', 'hosts', 'settings']);
  return {
    routes: list(raw.routes, `${what}.routes`, 100_000, route),
    unavailable: ids(raw.unavailable, `${what}.unavailable`),
    certificates: list(raw.certificates, `${what}.certificates`, 100_000, certificate),
    challenges: list(raw.challenges, `${what}.challenges`, 10_000, challenge),
    hosts: list(raw.hosts, `${what}.hosts`, 100_000, host),
    settings: settings(raw.settings, `${what}.settings`),
  };
}

/** Checks one request line's JSON; throws AppError VALIDATION_FAILED with the reason. */
export function parseRequest(value: unknown): Request {
  const envelope = value as Json;
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) fail('a message is an object');
  if (envelope.v !== PROTOCOL_VERSION) fail(`unsupported protocol version ${JSON.stringify(envelope.v)}`);
  const id = envelope.id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) fail('a message needs a numeric id');
  const fields = (extra: string[]) => object(value, `message ${String(envelope.type)}`, ['v', 'id', 'type', ...extra]);
  const base = { v: PROTOCOL_VERSION, id };
  switch (envelope.type) {
    case 'hello':
      return { ...base, type: 'hello', token: text(fields(['token']).token, 'token', 200) };
    case 'status':
      fields([]);
      return { ...base, type: 'status' };
    case 'traffic.take':
      fields([]);
      return { ...base, type: 'traffic.take' };
    case 'upgrade':
      fields([]);
      return { ...base, type: 'upgrade' };
    case 'drained':
      return { ...base, type: 'drained', upstreamIds: ids(fields(['upstreamIds']).upstreamIds, 'upstreamIds') };
    case 'snapshot':
      return { ...base, type: 'snapshot', state: parseState(fields(['state']).state) };
    case 'route.set':
      return { ...base, type: 'route.set', route: route(fields(['route']).route, 'route') };
    case 'route.remove':
      return { ...base, type: 'route.remove', serviceId: text(fields(['serviceId']).serviceId, 'serviceId', 200, ID) };
    case 'unavailable.set':
      return { ...base, type: 'unavailable.set', upstreamIds: ids(fields(['upstreamIds']).upstreamIds, 'upstreamIds') };
    case 'certificate.set':
      return {
        ...base,
        type: 'certificate.set',
        certificate: certificate(fields(['certificate']).certificate, 'cert'),
      };
    case 'certificate.remove':
      return { ...base, type: 'certificate.remove', hostname: text(fields(['hostname']).hostname, 'hostname', 300) };
    case 'challenge.set':
      return { ...base, type: 'challenge.set', challenge: challenge(fields(['challenge']).challenge, 'challenge') };
    case 'challenge.remove':
      return { ...base, type: 'challenge.remove', token: text(fields(['token']).token, 'token', 256, TOKEN) };
    case 'hosts.set':
      return { ...base, type: 'hosts.set', hosts: list(fields(['hosts']).hosts, 'hosts', 100_000, host) };
    case 'settings.set':
      return { ...base, type: 'settings.set', settings: settings(fields(['settings']).settings, 'settings') };
    default:
      return fail(`unknown message type ${JSON.stringify(envelope.type)}`);
  }
}
