/**
 * The only reader of process.env. Produces a frozen, validated Config; a bad value throws an
 * AppError whose message is one line naming the variable, which the CLI prints before exiting.
 */
import { resolve } from 'node:path';
import { AppError } from './errors.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly dataDir: string;
  readonly panelPort: number;
  readonly panelHost: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly panelDomain: string | undefined;
  readonly appsDomain: string;
  readonly acmeDirectory: string;
  readonly acmeEmail: string | undefined;
  readonly allowPrivateSources: boolean;
  /** Where dockerode connects: a unix socket path, or a tcp host and port. */
  readonly docker: DockerEndpoint;
  readonly logLevel: LogLevel;
  /** The URL people use to reach the panel; the setup link is printed with it. */
  readonly publicUrl: string;
  /** Set cookies with the Secure flag (panel behind HTTPS). */
  readonly secureCookies: boolean;
}

export type DockerEndpoint =
  | { readonly kind: 'socket'; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';

function fail(variable: string, message: string): never {
  throw new AppError('CONFIG_INVALID', `${variable} ${message}`);
}

function readPort(env: Env, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    fail(variable, `must be a port number between 1 and 65535, got "${raw}"`);
  }
  return Number(raw);
}

function readBoolean(env: Env, variable: string, fallback: boolean): boolean {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  return fail(variable, `must be true or false, got "${raw}"`);
}

function readHostname(env: Env, variable: string): string | undefined {
  const raw = env[variable];
  if (raw === undefined || raw === '') return undefined;
  const host = raw.toLowerCase().replace(/\.$/, '');
  if (!HOSTNAME.test(host)) fail(variable, `must be a hostname such as panel.example.com, got "${raw}"`);
  return host;
}

function readUrl(env: Env, variable: string, fallback: string): string {
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

function readDocker(env: Env): DockerEndpoint {
  const raw = env.DOCKER_HOST;
  if (raw === undefined || raw === '') return { kind: 'socket', socketPath: '/var/run/docker.sock' };
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length);
    if (!socketPath.startsWith('/')) fail('DOCKER_HOST', `must name an absolute socket path, got "${raw}"`);
    return { kind: 'socket', socketPath };
  }
  const tcp = /^tcp:\/\/([a-zA-Z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(raw);
  if (tcp) return { kind: 'tcp', host: tcp[1]!, port: Number(tcp[2]) };
  return fail('DOCKER_HOST', `must look like unix:///var/run/docker.sock or tcp://host:2375, got "${raw}"`);
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const panelPort = readPort(env, 'BERTH_PANEL_PORT', 3000);
  const panelHostRaw = env.BERTH_PANEL_HOST ?? '0.0.0.0';
  if (!/^[0-9a-fA-F.:]+$|^localhost$/.test(panelHostRaw)) {
    fail('BERTH_PANEL_HOST', `must be an IP address to listen on, got "${panelHostRaw}"`);
  }
  const panelDomain = readHostname(env, 'BERTH_PANEL_DOMAIN');
  const acmeEmail = env.BERTH_ACME_EMAIL || undefined;
  if (acmeEmail !== undefined && !EMAIL.test(acmeEmail)) {
    fail('BERTH_ACME_EMAIL', `must be an email address, got "${acmeEmail}"`);
  }
  const logLevel = (env.BERTH_LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    fail('BERTH_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${env.BERTH_LOG_LEVEL}"`);
  }
  const defaultPublicUrl = `http://${panelDomain ?? 'localhost'}:${panelPort}`;
  const publicUrl = readUrl(env, 'BERTH_PUBLIC_URL', defaultPublicUrl);
  const dataDirRaw = env.BERTH_DATA_DIR || './data';
  if (/[\0\r\n]/.test(dataDirRaw)) fail('BERTH_DATA_DIR', 'must be a plain directory path');

  return Object.freeze({
    dataDir: resolve(cwd, dataDirRaw),
    panelPort,
    panelHost: panelHostRaw,
    httpPort: readPort(env, 'BERTH_HTTP_PORT', 80),
    httpsPort: readPort(env, 'BERTH_HTTPS_PORT', 443),
    panelDomain,
    appsDomain: readHostname(env, 'BERTH_APPS_DOMAIN') ?? 'localhost',
    acmeDirectory: readUrl(env, 'BERTH_ACME_DIRECTORY', LETS_ENCRYPT_PRODUCTION),
    acmeEmail,
    allowPrivateSources: readBoolean(env, 'BERTH_ALLOW_PRIVATE_SOURCES', false),
    docker: readDocker(env),
    logLevel,
    publicUrl,
    secureCookies: readBoolean(env, 'BERTH_SECURE_COOKIES', publicUrl.startsWith('https:')),
  });
}
