/**
 * The data plane the daemon runs with (BERTH_PROXY_MODE): `inline`, the app proxy in the daemon's own
 * process (main.ts makes it listen), or `process`, the proxy's own process tree, connected to (or started)
 * here; main.ts releases the state to it once every route is restored.
 */
import type { Config } from '../config.js';
import { createAccessLogger, type Logger } from '../logger.js';
import { RemoteProxy } from '../proxy/process/remote-proxy.js';
import { RemoteRouteTable } from '../proxy/process/remote-route-table.js';
import { AppProxy } from '../proxy/proxy-server.js';
import type { RequestObserver } from '../proxy/request-observer.js';
import type { Core } from './core.js';

export type DataPlane = { kind: 'inline'; proxy: AppProxy } | { kind: 'process'; remote: RemoteProxy };

export async function startDataPlane(
  config: Config,
  core: Core,
  logger: Logger,
  observer: RequestObserver,
): Promise<DataPlane> {
  if (config.proxyProcess.mode === 'process' && core.routes instanceof RemoteRouteTable) {
    const remote = new RemoteProxy(config, core.routes, logger.child({ component: 'proxy' }));
    await remote.connect();
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
