/**
 * The only reader of process.env. Produces a frozen, validated Config; a bad value throws an
 * AppError whose message is one line naming the variable, which the CLI prints before exiting.
 */
import { availableParallelism, homedir } from 'node:os';
import { resolve } from 'node:path';
import { readCliClientSettings, type CliClientSettings } from './config-cli.js';
import { readBuildCaFile, readBuildProxy, type BuildProxy } from './config-build.js';
import { readKubernetesStorageConfig, type KubernetesStorageConfig } from './config-kubernetes-storage.js';
import { readRegistryConfig, type RegistryConfig } from './config-registry.js';
import { readSchedulerConfig, type SchedulerConfig } from './config-scheduler.js';
import { readTerminalConfig, type TerminalConfig } from './config-terminal.js';
import {
  DEFAULT_BUILDPACK_IMAGES,
  DEFAULT_DB_IMAGES,
  readBuildpackImages,
  readDbImages,
  readVolumeHelperImage,
  type BuildpackImageName,
  type DbEngineName,
} from './config-images.js';
import {
  readDocker,
  readDnsResolver,
  readPublicIps,
  readTrustedProxies,
  type DockerEndpoint,
} from './config-network.js';
import {
  fail,
  readBoolean,
  readChoice,
  readHostname,
  readInteger,
  readListenAddress,
  readOptionalPort,
  readPath,
  readPort,
  readSeconds,
  readUrl,
  type Env,
} from './config-readers.js';

export { DEFAULT_BUILDPACK_IMAGES, DEFAULT_DB_IMAGES, type BuildpackImageName, type DbEngineName, type DockerEndpoint };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config extends SchedulerConfig, TerminalConfig, RegistryConfig, KubernetesStorageConfig {
  readonly dataDir: string;
  readonly panelPort: number;
  readonly panelHost: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly panelDomain: string | undefined;
  readonly appsDomain: string;
  readonly acmeDirectory: string;
  readonly acmeEmail: string | undefined;
  /** A PEM file of extra CAs to trust for the ACME directory's HTTPS, e.g. Pebble's (BERTH_ACME_CA_FILE). */
  readonly acmeCaFile: string | undefined;
  /** A folder of one-click templates used instead of the built-in catalog (BERTH_TEMPLATES_DIR; tests). */
  readonly templatesDir: string | undefined;
  /** DNS server for the panel's DNS check, "ip" or "ip:port" (BERTH_DNS_RESOLVER); undefined = the system's. */
  readonly dnsResolver: string | undefined;
  /** This server's public addresses (BERTH_PUBLIC_IPS); undefined = the non-internal interface addresses. */
  readonly publicIps: readonly string[] | undefined;
  /**
   * Addresses (or CIDR ranges) of proxies whose X-Forwarded-For the panel believes (BERTH_TRUSTED_PROXIES).
   * Empty: none, the connection's own address counts. With BERTH_PANEL_DOMAIN and no setting, loopback:
   * Berth's own proxy forwards the panel's domain from there and replaces any client-sent X-Forwarded-For.
   */
  readonly trustedProxies: readonly string[];
  readonly allowPrivateSources: boolean;
  /** Address the app proxy listens on (BERTH_PROXY_HOST). */
  readonly proxyHost: string;
  /** A new container must stay up this long after its health check before traffic moves (BERTH_STABILISATION_SECONDS). */
  readonly stabilisationMs: number;
  /** How long old containers may finish in-flight requests after a switch (BERTH_DRAIN_TIMEOUT_SECONDS). */
  readonly drainTimeoutMs: number;
  /** Where dockerode connects: a unix socket path, or a tcp host and port. */
  readonly docker: DockerEndpoint;
  readonly logLevel: LogLevel;
  /** Console log format (BERTH_LOG_FORMAT): json, pretty, or auto (pretty on a terminal, JSON otherwise). */
  readonly logFormat: LogFormat;
  /** Each deployment's log stops at this size on disk (BERTH_DEPLOY_LOG_MAX_MB, default 10). */
  readonly deployLogMaxBytes: number;
  /** The largest `berth up` archive the API accepts, compressed (BERTH_UPLOAD_MAX_MB, default 200). */
  readonly uploadMaxBytes: number;
  /** The URL people use to reach the panel; the setup link is printed with it. */
  readonly publicUrl: string;
  /** Set cookies with the Secure flag (panel behind HTTPS). */
  readonly secureCookies: boolean;
  /** Base image of each buildpack image slot (BERTH_BUILDPACK_IMAGE_<NAME>), e.g. { node: 'node:20-slim' }. */
  readonly buildpackImages: Readonly<Record<BuildpackImageName, string>>;
  /** A PEM bundle builds trust for package downloads (BERTH_BUILD_CA_FILE): its absolute real path. */
  readonly buildCaFile: string | undefined;
  /** HTTP_PROXY / HTTPS_PROXY / NO_PROXY, passed to every build as Docker's predefined build args. */
  readonly buildProxy: BuildProxy;
  /** Port of the built-in SSH git remote (BERTH_SSH_PORT, default 2222); null when set to "off". */
  readonly sshPort: number | null;
  /** Image of each database engine (BERTH_DB_IMAGE_<ENGINE>), e.g. { postgres: 'postgres:16' }. */
  readonly dbImages: Readonly<Record<DbEngineName, string>>;
  /** Shortest gap allowed between two scheduled backups of one database (BERTH_BACKUP_MIN_INTERVAL_SECONDS). */
  readonly backupMinIntervalMs: number;
  /** Image of the throwaway container that archives and restores service volumes (BERTH_VOLUME_HELPER_IMAGE). */
  readonly volumeHelperImage: string;
  /** Berth's own container when it runs as one (BERTH_CONTAINER_NAME, set by the installer); enables upgrades. */
  readonly containerName: string | undefined;
  /** Where to ask for the newest release (BERTH_RELEASE_URL, JSON {version, image}); off when unset. */
  readonly releaseUrl: string | undefined;
  /** How long an upgrade waits for the new version's /healthz before rolling back (BERTH_UPGRADE_HEALTH_TIMEOUT_SECONDS). */
  readonly upgradeHealthTimeoutMs: number;
  /** How often the alert rules are evaluated (BERTH_ALERT_CHECK_SECONDS, default 30). */
  readonly alertCheckIntervalMs: number;
  /** How often the autoscaler looks at each policy (BERTH_AUTOSCALE_INTERVAL_SECONDS). */
  readonly autoscaleIntervalMs: number;
  /** The span of traffic or CPU the autoscaler averages (BERTH_AUTOSCALE_WINDOW_SECONDS). */
  readonly autoscaleWindowMs: number;
  /** How often expired previews are deleted (BERTH_PREVIEW_SWEEP_SECONDS, default 60). */
  readonly previewSweepIntervalMs: number;
  /** How long one hour of a preview's TTL lasts; tests only shorten it (BERTH_PREVIEW_HOUR_SECONDS, default 3600). */
  readonly previewHourMs: number;
  /** The app proxy's limits, timeouts and access log (BERTH_PROXY_*). */
  readonly proxy: ProxyConfig;
  /** Inline or as its own process tree, and its workers (BERTH_PROXY_MODE, BERTH_PROXY_WORKERS). */
  readonly proxyProcess: ProxyProcessConfig;
  /** Rotation of the engine's json-file log of every container Berth starts (BERTH_CONTAINER_LOG_*). */
  readonly containerLogs: ContainerLogRotation;
}

export interface ContainerLogRotation {
  /** Size at which a container's log file is rotated, e.g. "10m" (BERTH_CONTAINER_LOG_MAX_SIZE). */
  readonly maxSize: string;
  /** Rotated files kept per container, the current one included (BERTH_CONTAINER_LOG_MAX_FILES). */
  readonly maxFiles: number;
}

/** 10 MB × 3 per container: enough to read a crash, never enough to fill a disk. */
export const DEFAULT_CONTAINER_LOGS: ContainerLogRotation = Object.freeze({ maxSize: '10m', maxFiles: 3 });

export interface ProxyConfig {
  /** One line per proxied request on stdout (BERTH_PROXY_ACCESS_LOG). */
  readonly accessLog: boolean;
  /** Time a client has to send its request headers (BERTH_PROXY_HEADERS_TIMEOUT_SECONDS). */
  readonly headersTimeoutMs: number;
  /** Idle time before a client keep-alive connection is closed (BERTH_PROXY_KEEPALIVE_TIMEOUT_SECONDS). */
  readonly keepAliveTimeoutMs: number;
  /** Upstream silence before a request gets a 504 (BERTH_PROXY_UPSTREAM_TIMEOUT_SECONDS). */
  readonly upstreamTimeoutMs: number;
  /** Largest request header block in bytes; larger gets 431 (BERTH_PROXY_MAX_HEADER_KB). */
  readonly maxHeaderSize: number;
  /** Open connections from one client address (BERTH_PROXY_MAX_CONNECTIONS_PER_IP). */
  readonly maxConnectionsPerIp: number;
  /** Open client connections in all, per listener (BERTH_PROXY_MAX_CONNECTIONS). */
  readonly maxConnections: number;
  /** HTTP/2 on the HTTPS listener (BERTH_PROXY_HTTP2, default on). */
  readonly http2: boolean;
  /** Concurrent streams per HTTP/2 connection (BERTH_PROXY_HTTP2_MAX_STREAMS). */
  readonly http2MaxConcurrentStreams: number;
}

/** The proxy as its own process tree (src/proxy/process/); see README "The data plane". */
export interface ProxyProcessConfig {
  /**
   * Where the proxy runs (BERTH_PROXY_MODE): `inline` in the daemon's process, or `process`, its own
   * process tree that outlives daemon restarts (src/proxy/process/).
   */
  readonly mode: 'inline' | 'process';
  /** Worker processes of the proxy in process mode (BERTH_PROXY_WORKERS; default: one per core). */
  readonly workers: number;
  /**
   * How connections reach the workers in process mode (BERTH_PROXY_BALANCE): `kernel`, every worker
   * accepts on the shared socket itself, or `round-robin`, the supervisor accepts and hands them out.
   */
  readonly balance: 'kernel' | 'round-robin';
  /**
   * Something else runs the proxy (BERTH_PROXY_EXTERNAL; the installer's proxy container): the daemon
   * only connects, waiting for it, and never starts one of its own.
   */
  readonly external: boolean;
}

export type LogFormat = 'json' | 'pretty' | 'auto';
const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty', 'auto'];

function readLogFormat(env: Env): LogFormat {
  const raw = (env.BERTH_LOG_FORMAT || 'auto') as LogFormat;
  if (!LOG_FORMATS.includes(raw)) fail('BERTH_LOG_FORMAT', `must be one of ${LOG_FORMATS.join(', ')}, got "${raw}"`);
  return raw;
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

function readProxyConfig(env: Env): ProxyConfig {
  const seconds = (variable: string, fallback: number, max: number) =>
    readInteger(env, variable, fallback, 1, max) * 1000;
  return Object.freeze({
    accessLog: readBoolean(env, 'BERTH_PROXY_ACCESS_LOG', false),
    headersTimeoutMs: seconds('BERTH_PROXY_HEADERS_TIMEOUT_SECONDS', 20, 600),
    keepAliveTimeoutMs: seconds('BERTH_PROXY_KEEPALIVE_TIMEOUT_SECONDS', 30, 3600),
    upstreamTimeoutMs: seconds('BERTH_PROXY_UPSTREAM_TIMEOUT_SECONDS', 60, 3600),
    maxHeaderSize: readInteger(env, 'BERTH_PROXY_MAX_HEADER_KB', 16, 1, 1024) * 1024,
    maxConnectionsPerIp: readInteger(env, 'BERTH_PROXY_MAX_CONNECTIONS_PER_IP', 512, 1, 1_000_000),
    maxConnections: readInteger(env, 'BERTH_PROXY_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
    http2: readBoolean(env, 'BERTH_PROXY_HTTP2', true),
    http2MaxConcurrentStreams: readInteger(env, 'BERTH_PROXY_HTTP2_MAX_STREAMS', 128, 1, 1000),
  });
}

function readProxyProcessConfig(env: Env): ProxyProcessConfig {
  return Object.freeze({
    mode: readChoice(env, 'BERTH_PROXY_MODE', ['inline', 'process'] as const, 'inline'),
    workers: readInteger(env, 'BERTH_PROXY_WORKERS', Math.max(1, availableParallelism()), 1, 256),
    balance: readChoice(env, 'BERTH_PROXY_BALANCE', ['kernel', 'round-robin'] as const, 'kernel'),
    external: readBoolean(env, 'BERTH_PROXY_EXTERNAL', false),
  });
}

/**
 * The environment a process Berth starts for itself gets (the proxy's process tree): the BERTH_ settings
 * and what Node and Docker clients need, nothing else.
 */
export function ownProcessEnvironment(env: Env = process.env): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (name.startsWith('BERTH_') || ['PATH', 'HOME', 'TZ', 'LANG', 'NODE_ENV'].includes(name)) picked[name] = value;
  }
  return picked;
}

function readContainerLogs(env: Env): ContainerLogRotation {
  const maxSize = env.BERTH_CONTAINER_LOG_MAX_SIZE || DEFAULT_CONTAINER_LOGS.maxSize;
  // The engine's own size syntax; anything else would only fail later, when a container is created.
  if (!/^[1-9]\d{0,5}[kmg]$/.test(maxSize))
    fail('BERTH_CONTAINER_LOG_MAX_SIZE', `must be a size such as 10m, 500k or 1g, got "${maxSize}"`);
  const maxFiles = readInteger(env, 'BERTH_CONTAINER_LOG_MAX_FILES', DEFAULT_CONTAINER_LOGS.maxFiles, 1, 100);
  return Object.freeze({ maxSize, maxFiles });
}

/** "production" (the default), "staging" (Let's Encrypt's test CA) or any ACME directory URL. */
function readAcmeDirectory(env: Env): string {
  const raw = env.BERTH_ACME_DIRECTORY;
  if (raw === 'staging') return LETS_ENCRYPT_STAGING;
  if (raw === 'production') return LETS_ENCRYPT_PRODUCTION;
  return readUrl(env, 'BERTH_ACME_DIRECTORY', LETS_ENCRYPT_PRODUCTION);
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const panelPort = readPort(env, 'BERTH_PANEL_PORT', 3000);
  const panelHostRaw = readListenAddress(env, 'BERTH_PANEL_HOST');
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
  const containerName = env.BERTH_CONTAINER_NAME || undefined;
  if (containerName !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,127}$/.test(containerName))
    fail('BERTH_CONTAINER_NAME', `must be a Docker container name, got "${containerName}"`);
  if (/[\0\r\n]/.test(dataDirRaw)) fail('BERTH_DATA_DIR', 'must be a plain directory path');

  return Object.freeze({
    dataDir: resolve(cwd, dataDirRaw),
    panelPort,
    panelHost: panelHostRaw,
    httpPort: readPort(env, 'BERTH_HTTP_PORT', 80),
    httpsPort: readPort(env, 'BERTH_HTTPS_PORT', 443),
    panelDomain,
    appsDomain: readHostname(env, 'BERTH_APPS_DOMAIN') ?? 'localhost',
    acmeDirectory: readAcmeDirectory(env),
    acmeEmail,
    acmeCaFile: readPath(env, 'BERTH_ACME_CA_FILE'),
    templatesDir: readPath(env, 'BERTH_TEMPLATES_DIR'),
    dnsResolver: readDnsResolver(env),
    publicIps: readPublicIps(env),
    trustedProxies: Object.freeze(readTrustedProxies(env, panelDomain)),
    allowPrivateSources: readBoolean(env, 'BERTH_ALLOW_PRIVATE_SOURCES', false),
    proxyHost: readListenAddress(env, 'BERTH_PROXY_HOST'),
    stabilisationMs: readSeconds(env, 'BERTH_STABILISATION_SECONDS', 3, 600),
    drainTimeoutMs: readSeconds(env, 'BERTH_DRAIN_TIMEOUT_SECONDS', 30, 3600),
    docker: readDocker(env),
    logLevel,
    logFormat: readLogFormat(env),
    deployLogMaxBytes: readInteger(env, 'BERTH_DEPLOY_LOG_MAX_MB', 10, 1, 10_240) * 1024 * 1024,
    uploadMaxBytes: readInteger(env, 'BERTH_UPLOAD_MAX_MB', 200, 1, 10_240) * 1024 * 1024,
    publicUrl,
    secureCookies: readBoolean(env, 'BERTH_SECURE_COOKIES', publicUrl.startsWith('https:')),
    buildpackImages: Object.freeze(readBuildpackImages(env)),
    buildCaFile: readBuildCaFile(env, cwd),
    buildProxy: readBuildProxy(env),
    sshPort: readOptionalPort(env, 'BERTH_SSH_PORT', 2222),
    dbImages: Object.freeze(readDbImages(env)),
    volumeHelperImage: readVolumeHelperImage(env),
    backupMinIntervalMs: readSeconds(env, 'BERTH_BACKUP_MIN_INTERVAL_SECONDS', 3600, 7 * 24 * 3600),
    containerName,
    releaseUrl: env.BERTH_RELEASE_URL ? readUrl(env, 'BERTH_RELEASE_URL', '') : undefined,
    upgradeHealthTimeoutMs: readSeconds(env, 'BERTH_UPGRADE_HEALTH_TIMEOUT_SECONDS', 60, 3600),
    alertCheckIntervalMs: readInteger(env, 'BERTH_ALERT_CHECK_SECONDS', 30, 1, 3600) * 1000,
    autoscaleIntervalMs: readInteger(env, 'BERTH_AUTOSCALE_INTERVAL_SECONDS', 15, 1, 600) * 1000,
    autoscaleWindowMs: readInteger(env, 'BERTH_AUTOSCALE_WINDOW_SECONDS', 60, 10, 3600) * 1000,
    previewSweepIntervalMs: readInteger(env, 'BERTH_PREVIEW_SWEEP_SECONDS', 60, 1, 3600) * 1000,
    previewHourMs: readInteger(env, 'BERTH_PREVIEW_HOUR_SECONDS', 3600, 1, 3600) * 1000,
    proxy: readProxyConfig(env),
    proxyProcess: readProxyProcessConfig(env),
    containerLogs: readContainerLogs(env),
    ...readSchedulerConfig(env, cwd),
    ...readTerminalConfig(env),
    ...readRegistryConfig(env, cwd),
    ...readKubernetesStorageConfig(env, cwd),
  });
}

/** The developer commands' settings (see config-cli.ts); they never need the server's. */
export function loadCliClientSettings(env: Env = process.env, cwd: string = process.cwd()): CliClientSettings {
  return readCliClientSettings(env, homedir(), cwd);
}
