/**
 * `berth proxy`: the app proxy as its own process tree (BERTH_PROXY_MODE=process). The cluster primary
 * is the supervisor (control socket, state on disk, workers); each worker serves traffic with the same
 * proxy code the daemon runs inline. The daemon starts it detached, so it outlives daemon restarts.
 * Each role imports only its own code: the supervisor never loads the proxy, TLS and upstream code (nor
 * a worker the control socket and state writing), which keeps every process of the tree smaller
 * (test/integration/idle-modules.test.ts checks it).
 */
import cluster from 'node:cluster';
import { loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';

async function runProxyProcess(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel, config.logFormat).child({
    component: cluster.isPrimary ? 'proxy-supervisor' : 'proxy-worker',
  });
  // The inline proxy's request accounting, in every worker (its counts go to the daemon via the supervisor).
  if (!cluster.isPrimary) {
    const [{ runProxyWorker }, { TrafficAccounting }] = await Promise.all([
      import('./proxy/process/proxy-worker.js'),
      import('./traffic/traffic-accounting.js'),
    ]);
    return runProxyWorker(config, logger, new TrafficAccounting());
  }
  const { ProxySupervisor } = await import('./proxy/process/proxy-supervisor.js');
  const supervisor = new ProxySupervisor(config, logger);
  await supervisor.start();
  const stop = (signal: string) => {
    logger.info({ signal }, 'proxy stopping');
    supervisor.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Detached from the daemon (no terminal to lose): SIGHUP upgrades the workers, like the `upgrade` request.
  process.on('SIGHUP', () => void supervisor.upgrade());
}

try {
  await runProxyProcess(loadConfig());
} catch (error) {
  process.stderr.write(`berth proxy: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
