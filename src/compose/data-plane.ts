/**
 * The data plane the daemon runs with (BERTH_PROXY_MODE): `inline`, the app proxy in the daemon's own
 * process (main.ts makes it listen), or `process`, the proxy's own process tree, connected to (or started)
 * here, with HTTPS's certificates, challenge answers and host rules wired to it; main.ts releases the
 * state to it once every route is restored.
 */
import type { Config } from '../config.js';
import { createAccessLineWriter, createAccessLogger, type Logger } from '../logger.js';
import { RemoteProxy } from '../proxy/process/remote-proxy.js';
import { TrafficPull } from '../proxy/process/traffic-pull.js';
import { RemoteRouteTable } from '../proxy/process/remote-route-table.js';
import { AppProxy } from '../proxy/proxy-server.js';
import type { RequestObserver } from '../proxy/request-observer.js';
import type { HttpsSystem } from '../tls/https-system.js';
import type { Core } from './core.js';

export type DataPlane = { kind: 'inline'; proxy: AppProxy } | { kind: 'process'; remote: RemoteProxy };

/** How often host rules (redirects, HSTS, which names have a certificate) are compared and re-sent. */
const HOST_RULES_CHECK_MS = 2_000;

export async function startDataPlane(
  config: Config,
  core: Core,
  logger: Logger,
  observer: RequestObserver,
): Promise<DataPlane> {
  if (config.proxyProcess.mode === 'process' && core.routes instanceof RemoteRouteTable) {
    const remote = new RemoteProxy(config, core.routes, logger.child({ component: 'proxy' }));
    if (core.https) {
      wireHttps(remote, core.https);
      core.https.listensElsewhere();
    }
    await remote.connect();
    // The workers count requests like the inline proxy; their counts and log lines land in the same stores.
    const accessLines = createAccessLineWriter();
    const pull = new TrafficPull(
      () => remote.takeTraffic(),
      core.traffic.accounting,
      accessLines.write,
      logger.child({ component: 'proxy' }),
    );
    pull.start();
    remote.onClose(() => {
      pull.stop();
      accessLines.flush();
    });
    return { kind: 'process', remote };
  }
  const { accessLog, ...proxySettings } = config.proxy;
  const proxy = new AppProxy(core.routes, {
    logger: logger.child({ component: 'proxy' }),
    accessLog: accessLog && createAccessLogger(),
    settings: proxySettings,
    challengeResponder: core.https?.certificates.challengeResponder,
    hostPolicy: core.https?.hostPolicy,
    observer,
  });
  return { kind: 'inline', proxy };
}

function wireHttps(remote: RemoteProxy, https: HttpsSystem): void {
  const { certificates, contexts } = https;
  remote.useTls({
    certificates: () => contexts.installedPairs().map(([hostname, pair]) => ({ hostname, ...pair })),
    challenges: () =>
      certificates.challenges().map(({ token, hostname, keyAuthorization }) => ({
        token,
        hostname,
        answer: keyAuthorization,
      })),
    hosts: () => https.hostRules(),
  });
  contexts.onChange = (hostname, pair) =>
    remote.send(
      pair ? { type: 'certificate.set', certificate: { hostname, ...pair } } : { type: 'certificate.remove', hostname },
    );
  certificates.onChallenge = (token, entry) =>
    remote.send(
      entry
        ? { type: 'challenge.set', challenge: { token, hostname: entry.hostname, answer: entry.keyAuthorization } }
        : { type: 'challenge.remove', token },
    );
  // Domain rules change in the domains feature and validity with time: compared often, sent when changed.
  let last = '';
  const timer = setInterval(() => {
    if (!remote.isLive()) return;
    const hosts = https.hostRules();
    const current = JSON.stringify(hosts);
    if (current === last) return;
    last = current;
    remote.send({ type: 'hosts.set', hosts });
  }, HOST_RULES_CHECK_MS);
  timer.unref();
  remote.onClose(() => clearInterval(timer));
}
