/**
 * One worker of the proxy's process tree: the same AppProxy, RouteTable, TLS listener and upstream pool
 * as the in-process proxy, fed by the supervisor over cluster IPC (state changes, in-flight queries,
 * close). It listens only after its first snapshot, so it never answers 404 for a known app. The
 * listening sockets are shared with the other workers (node:cluster).
 */
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { createAccessLoggerTo, type Logger } from '../../logger.js';
import { CertificateFiles } from '../../tls/certificate-files.js';
import { createHostPolicy } from '../../tls/host-policy.js';
import { listenHttps } from '../../tls/https-listener.js';
import { FALLBACK_NAME, SniContexts } from '../../tls/sni-contexts.js';
import { AppProxy } from '../proxy-server.js';
import type { RequestObserver } from '../request-observer.js';
import type { StateChange } from './control-protocol.js';
import { VERSION } from '../../version.js';
import { ProxyStateStore } from './proxy-state-store.js';
import type { TrafficBatch, WorkerAccounting } from './traffic-batch.js';
import { workerShareOfCaps } from './worker-caps.js';
import { WorkerTraffic } from './worker-traffic.js';

/** Supervisor → worker. */
export type ToWorker =
  | { kind: 'change'; change: StateChange }
  | { kind: 'inflight'; queryId: number; upstreamIds: string[] }
  | { kind: 'close' }
  /** A handover: stop accepting, let connections end (at most boundMs), then exit (proxy-handover.ts). */
  | { kind: 'drain'; boundMs: number };

/** Worker → supervisor. */
export type FromWorker =
  /** `version`: the code this worker runs (a handover reports it). */
  | { kind: 'ready'; version?: string }
  | { kind: 'listening' }
  | { kind: 'inflight'; queryId: number; count: number }
  | { kind: 'change-failed'; reason: string }
  | { kind: 'traffic'; batch: TrafficBatch };

/**
 * `accounting` is the inline proxy's request accounting (TrafficAccounting, passed in by proxy-main.ts):
 * what it counts goes to the supervisor once a second, and from there to the daemon.
 */
export async function runProxyWorker(
  config: Config,
  logger: Logger,
  accounting: RequestObserver & WorkerAccounting,
): Promise<void> {
  const send = (message: FromWorker) => process.send?.(message);
  const traffic = new WorkerTraffic(accounting, (batch, done) => {
    if (process.send === undefined || !process.connected) return done?.();
    process.send({ kind: 'traffic', batch } satisfies FromWorker, undefined, {}, () => done?.());
  });
  const files = new CertificateFiles(join(config.dataDir, 'certs'));
  // A name some route serves gets a self-signed certificate until the daemon pushes a real one.
  const contexts: SniContexts = new SniContexts((name) => store.routes.resolve(name) !== undefined, logger, {
    read: () => files.read(FALLBACK_NAME),
    write: (pair) => files.write(FALLBACK_NAME, pair),
  });
  const store: ProxyStateStore = new ProxyStateStore(undefined, {
    certificate: (hostname, entry) => {
      if (entry) contexts.install(hostname, { certPem: entry.certPem, keyPem: entry.keyPem });
      else contexts.remove(hostname);
    },
    certificatesReplaced: (entries) => {
      for (const entry of entries) contexts.install(entry.hostname, { certPem: entry.certPem, keyPem: entry.keyPem });
    },
  });

  const running: { proxy?: AppProxy } = {};
  const firstSnapshot = new Promise<void>((resolve) => {
    process.on('message', (message: ToWorker) => {
      if (message.kind === 'change') {
        try {
          store.apply(message.change);
        } catch (error) {
          // The supervisor validated it against the same code; this would be a bug, not bad input.
          send({ kind: 'change-failed', reason: (error as Error).message });
        }
        if (message.change.type === 'snapshot') resolve();
      } else if (message.kind === 'inflight') {
        send({ kind: 'inflight', queryId: message.queryId, count: store.routes.inflight.total(message.upstreamIds) });
      } else if (message.kind === 'close') {
        void closeAndExit(running.proxy, traffic);
      } else if (message.kind === 'drain') {
        void drainAndExit(running.proxy, message.boundMs, traffic);
      }
    });
  });
  // The supervisor is gone: a worker alone must not keep the ports.
  process.on('disconnect', () => void closeAndExit(running.proxy));
  send({ kind: 'ready', version: VERSION });
  await firstSnapshot;

  const { accessLog, ...settings } = config.proxy;
  const proxy = new AppProxy(store.routes, {
    logger,
    accessLog: (accessLog || store.runtimeSettings().accessLog === true) && createAccessLoggerTo(traffic.accessLine),
    // Each worker holds its share of the caps, so the whole tree holds the configured ones.
    settings: workerShareOfCaps(settings, config.proxyProcess.workers),
    observer: accounting,
    challengeResponder: store.challengeResponder,
    hostPolicy: createHostPolicy({
      rule: (hostname) => store.host(hostname),
      hasValidCertificate: (hostname) => store.host(hostname)?.https === true,
      httpsPort: config.httpsPort,
    }),
  });
  running.proxy = proxy;
  traffic.start();
  await proxy.listenHttp(config.httpPort, config.proxyHost).catch((error: Error) => {
    logger.error({ port: config.httpPort, reason: error.message }, 'the app proxy is not listening');
  });
  await listenHttps(proxy, contexts, config.httpsPort, config.proxyHost).then(
    () => logger.info({ port: config.httpsPort }, 'app proxy listening (https)'),
    (error: NodeJS.ErrnoException) =>
      logger.error(
        { port: config.httpsPort, reason: error.code ?? error.message },
        'the HTTPS listener is not running',
      ),
  );
  send({ kind: 'listening' });
}

let isClosing = false;
/** A worker replaced by an upgrade: stops accepting, lets open connections finish (bounded), then ends. */
async function drainAndExit(proxy: AppProxy | undefined, boundMs: number, traffic: WorkerTraffic): Promise<void> {
  if (isClosing) return;
  isClosing = true;
  await proxy?.drain(boundMs).catch(() => undefined);
  await flushTraffic(traffic);
  process.exit(0);
}

async function closeAndExit(proxy: AppProxy | undefined, traffic?: WorkerTraffic): Promise<void> {
  if (isClosing) return;
  isClosing = true;
  await proxy?.close().catch(() => undefined);
  if (traffic) await flushTraffic(traffic);
  process.exit(0);
}

/** What the last requests counted goes to the supervisor before the worker ends (bounded wait). */
async function flushTraffic(traffic: WorkerTraffic): Promise<void> {
  traffic.stop();
  await new Promise<void>((resolve) => {
    setTimeout(resolve, 1_000).unref();
    traffic.flush(resolve);
  });
}
