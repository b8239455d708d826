/**
 * Limits and timeouts of the app proxy, with defaults chosen for a small server facing the internet.
 * Every value can be overridden per AppProxy (tests shorten the timeouts).
 */
import { AppError } from '../errors.js';
import type { UpstreamPoolOptions } from './http-proxy-engine.js';

export interface ProxySettings {
  /** Time a client has to send the complete request headers (slow-header clients are cut off with 408). */
  headersTimeoutMs: number;
  /** Time a client has to send the whole request, body included (large uploads need minutes). */
  requestTimeoutMs: number;
  /** How long an idle client keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /** How often Node checks headersTimeout/requestTimeout; the cut-off lands within one interval. */
  connectionsCheckingIntervalMs: number;
  /** Upstream inactivity before the request gets a 504 (long enough for slow pages and SSE heartbeats). */
  upstreamTimeoutMs: number;
  /** Largest accepted request header block; larger gets 431. */
  maxHeaderSize: number;
  /** How long close() lets in-flight requests finish before it cuts the remaining connections. */
  closeGraceMs: number;
  /** Time a TLS client has to finish its handshake (a silent TLS client is cut off after it). */
  tlsHandshakeTimeoutMs: number;
  /** Open client connections from one IP address; more are closed at once (slowloris from one host). */
  maxConnectionsPerIp: number;
  /** Open client connections in all, per listener; more are closed at once (file descriptors, memory). */
  maxConnections: number;
  /** Offer HTTP/2 (ALPN h2) on the HTTPS listener, beside HTTP/1.1. */
  http2: boolean;
  /** Streams one HTTP/2 connection may have open at once (like nginx's http2_max_concurrent_streams). */
  http2MaxConcurrentStreams: number;
  pool: UpstreamPoolOptions;
}

export const DEFAULT_PROXY_SETTINGS: Readonly<ProxySettings> = Object.freeze({
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 30_000,
  connectionsCheckingIntervalMs: 2_000,
  upstreamTimeoutMs: 60_000,
  maxHeaderSize: 16 * 1024,
  closeGraceMs: 5_000,
  tlsHandshakeTimeoutMs: 10_000,
  // Above what one browser or a NAT of a few hundred users holds, far below the descriptor limit.
  maxConnectionsPerIp: 512,
  maxConnections: 10_000,
  http2: true,
  http2MaxConcurrentStreams: 128,
  pool: Object.freeze({
    maxSocketsPerUpstream: 256,
    maxSocketsTotal: 2048,
    // As many idle as open: a lower cap closes and reopens upstream connections under load, and their
    // TIME_WAIT pile-up on the Docker bridge made throughput collapse (bench/zero-downtime.ts).
    maxIdleSocketsPerUpstream: 256,
    idleSocketTimeoutMs: 4_000,
  }),
});

export type ProxySettingsOverrides = Partial<Omit<ProxySettings, 'pool'>> & { pool?: Partial<UpstreamPoolOptions> };

export function resolveProxySettings(overrides: ProxySettingsOverrides = {}): ProxySettings {
  const settings: ProxySettings = {
    ...DEFAULT_PROXY_SETTINGS,
    ...overrides,
    pool: { ...DEFAULT_PROXY_SETTINGS.pool, ...overrides.pool },
  };
  for (const [name, value] of Object.entries({ ...settings, ...settings.pool })) {
    if (typeof value === 'number' && (!Number.isInteger(value) || value < 1)) {
      throw new AppError('CONFIG_INVALID', `proxy setting ${name} must be a positive integer, got ${value}`);
    }
  }
  // Node refuses a headers timeout longer than the request timeout.
  settings.headersTimeoutMs = Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs);
  return settings;
}
