/**
 * The app proxy in either of its modes, with the same routes, certificate and settings, for the robustness
 * tests (test/integration/proxy-robustness*.test.ts): `inline` is an AppProxy in this process with the
 * daemon's two listeners (listenHttp and listenHttps, HTTP/2 with HTTP/1.1 by ALPN); `process` is the
 * proxy's own process tree (bin/berth-proxy.js, two workers) with the settings in its environment, the
 * routes and the certificate pushed over the control channel. The one difference: the tree's workers
 * check header timeouts every 2 s (Node's default; not a setting), the inline proxy here every 100 ms,
 * so a cut-off in the tree may land up to 2 s later (`cutSlackMs`).
 */
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/logger.js';
import { AppProxy } from '../../src/proxy/proxy-server.js';
import { RouteTable, type Upstream } from '../../src/proxy/route-table.js';
import { listenHttps } from '../../src/tls/https-listener.js';
import { SniContexts } from '../../src/tls/sni-contexts.js';
import { fetchOnce, type Target } from './proxy-clients.js';
import { startProxyTree, type ProxyTree } from './proxy-process-target.js';

export type ProxyMode = 'inline' | 'process';
export const PROXY_MODES: ProxyMode[] = ['inline', 'process'];

export interface RobustnessSettings {
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  upstreamTimeoutMs: number;
  /**
   * Connections from one address that one serving process holds: the inline proxy's cap; the tree gets
   * twice this (its two workers hold half each), so each worker holds what the inline proxy holds.
   */
  maxConnectionsPerIpPerProcess: number;
  http2MaxConcurrentStreams: number;
}

export interface ProxyUnderTest {
  mode: ProxyMode;
  http: Target;
  https: Target;
  /** How much later than inline a header-timeout cut may land. */
  cutSlackMs: number;
  /** The per-address cap of the whole proxy (inline: one process; the tree: every worker's share). */
  wholeCap: number;
  /** In-flight requests on the upstreams (summed over every worker). */
  inflight(upstreamIds: string[]): Promise<number>;
  /** The serving processes' pids (the workers; this process inline), to see that none died and was replaced. */
  servingPids(): Promise<number[]>;
  output(): string;
  stop(): Promise<void>;
}

const WORKERS = 2;

export async function startProxyUnderTest(
  mode: ProxyMode,
  options: {
    hostname: string;
    serviceId: string;
    upstreams: Upstream[];
    certificate: { cert: Buffer; key: Buffer };
    settings: RobustnessSettings;
  },
): Promise<ProxyUnderTest> {
  const { hostname, settings, certificate } = options;
  const pair = { certPem: certificate.cert.toString(), keyPem: certificate.key.toString() };
  if (mode === 'process') {
    const tree: ProxyTree = await startProxyTree(
      {
        routes: [{ serviceId: options.serviceId, hostnames: [hostname], upstreams: options.upstreams, fallback: [] }],
        unavailable: [],
        certificates: [{ hostname, ...pair }],
        challenges: [],
        hosts: [],
        settings: {},
      },
      {
        BERTH_PROXY_WORKERS: String(WORKERS),
        BERTH_PROXY_HEADERS_TIMEOUT_SECONDS: String(settings.headersTimeoutMs / 1000),
        BERTH_PROXY_KEEPALIVE_TIMEOUT_SECONDS: String(settings.keepAliveTimeoutMs / 1000),
        BERTH_PROXY_UPSTREAM_TIMEOUT_SECONDS: String(settings.upstreamTimeoutMs / 1000),
        BERTH_PROXY_MAX_CONNECTIONS_PER_IP: String(WORKERS * settings.maxConnectionsPerIpPerProcess),
        BERTH_PROXY_HTTP2_MAX_STREAMS: String(settings.http2MaxConcurrentStreams),
      },
      async (t) => {
        const ca = certificate.cert;
        const plain = await fetchOnce({ protocol: 'http', port: t.httpPort, host: hostname }, '/');
        const tls = await fetchOnce({ protocol: 'https', port: t.httpsPort, host: hostname, ca }, '/');
        return plain.status === 200 && tls.status === 200;
      },
    );
    const started = tree;
    return {
      mode,
      http: { protocol: 'http', port: started.httpPort, host: hostname },
      https: { protocol: 'https', port: started.httpsPort, host: hostname, ca: certificate.cert },
      cutSlackMs: 1900,
      wholeCap: WORKERS * settings.maxConnectionsPerIpPerProcess,
      inflight: (ids) => started.inflight(ids),
      servingPids: () => started.workerPids(),
      output: () => started.output(),
      stop: () => started.stop(),
    };
  }

  const logger = createLogger('silent');
  const routes = new RouteTable();
  routes.setRoute([hostname], options.serviceId, options.upstreams);
  const proxy = new AppProxy(routes, {
    logger,
    settings: {
      headersTimeoutMs: settings.headersTimeoutMs,
      keepAliveTimeoutMs: settings.keepAliveTimeoutMs,
      upstreamTimeoutMs: settings.upstreamTimeoutMs,
      maxConnectionsPerIp: settings.maxConnectionsPerIpPerProcess,
      http2MaxConcurrentStreams: settings.http2MaxConcurrentStreams,
      connectionsCheckingIntervalMs: 100,
    },
  });
  const contexts = new SniContexts((name) => name === hostname, logger);
  contexts.install(hostname, pair);
  await proxy.listenHttp(0, '127.0.0.1');
  const tls = await listenHttps(proxy, contexts, 0, '127.0.0.1');
  return {
    mode,
    http: { protocol: 'http', port: proxy.httpAddress()!.port, host: hostname },
    https: { protocol: 'https', port: (tls.address() as AddressInfo).port, host: hostname, ca: certificate.cert },
    cutSlackMs: 0,
    wholeCap: settings.maxConnectionsPerIpPerProcess,
    inflight: (ids) => Promise.resolve(routes.inflight.total(ids)),
    servingPids: () => Promise.resolve([process.pid]),
    output: () => '',
    stop: () => proxy.close(),
  };
}
