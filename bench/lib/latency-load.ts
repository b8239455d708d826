/**
 * A bounded keep-alive load generator with latency recording, for benchmarks: N concurrent clients
 * request one URL on a loopback port until stopped, or until the time or request cap is reached.
 * The loop runs in a worker thread (latency-load-worker.ts) so it never waits behind the daemon's
 * event loop when both live in this process.
 */
import { Worker } from 'node:worker_threads';

export interface LatencyLoadOptions {
  port: number;
  /** The Host header. */
  host: string;
  path: string;
  connections: number;
  maxSeconds: number;
  maxRequests: number;
}

export interface LatencyLoadResult {
  /** Every finished request, failed ones included. */
  requests: number;
  failed: number;
  /** The first few failures, with their cause. */
  errors: string[];
  /** Distinct 200 bodies in the order first seen, with when (ms since the load started). */
  bodies: { body: string; firstSeenMs: number }[];
  seconds: number;
  /** Epoch ms when the load started. */
  startedAt: number;
  /** True when the request cap, not the caller or the time cap, ended the load. */
  hitRequestCap: boolean;
  /** Per request, in completion order: latency and end time (ms since start). */
  latenciesMs: Float32Array;
  endsMs: Float32Array;
  /** End times of the failed requests (ms since start). */
  failureEndsMs: number[];
}

export interface LatencyLoad {
  /** Asks the clients to stop after their current request; resolves with everything recorded. */
  stop(): Promise<LatencyLoadResult>;
  /** Resolves once the clients run (the worker takes a moment to load). */
  ready: Promise<void>;
  /** Resolves when the load ends on its own (time or request cap) or after stop(). */
  finished: Promise<LatencyLoadResult>;
}

type WorkerMessage = { type: 'started' } | { type: 'result'; result: LatencyLoadResult };

// Benchmarks run from source through tsx, never compiled.
const WORKER = new URL('./latency-load-worker.ts', import.meta.url);

export function startLatencyLoad(options: LatencyLoadOptions): LatencyLoad {
  // A worker does not inherit `--import tsx`'s loader: register it first, then import the worker module.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER.href)}); })`;
  const worker = new Worker(bootstrap, { eval: true, workerData: options });
  let onStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const finished = new Promise<LatencyLoadResult>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'started') return onStarted();
      resolve(message.result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load worker exited (${code}) without a result`)));
  });
  return {
    // A worker that fails to load rejects `finished`; `ready` must not wait for it forever.
    ready: Promise.race([started, finished.then(() => undefined)]),
    finished,
    stop() {
      worker.postMessage('stop');
      return finished;
    },
  };
}
