/**
 * Connection caps across the proxy's workers (process mode). The inline proxy's caps (open connections per
 * client address, open connections in all per listener) are per process; with N workers each worker
 * holds an equal share, floor(cap / N) (at least 1), so the whole tree never holds more than the cap.
 * Chosen over asking the supervisor per connection, which would put an IPC round trip before every
 * accept. The price: with the kernel balance the workers do not get exactly equal shares of one client's
 * connections, so that client can be refused a little before it holds the full cap (README, "The data
 * plane", has the measurement).
 */
import type { ProxySettings } from '../proxy-settings.js';

type Caps = Pick<ProxySettings, 'maxConnectionsPerIp' | 'maxConnections'>;

export function workerShareOfCaps<T extends Caps>(settings: T, workers: number): T {
  const n = Math.max(1, Math.floor(workers));
  return {
    ...settings,
    maxConnectionsPerIp: Math.max(1, Math.floor(settings.maxConnectionsPerIp / n)),
    maxConnections: Math.max(1, Math.floor(settings.maxConnections / n)),
  };
}
