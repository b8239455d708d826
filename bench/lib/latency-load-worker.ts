/**
 * The load loop of bench/lib/latency-load.ts, in its own thread so the generator does not share an
 * event loop with the daemon under test. A copy of test/helpers/load.ts that also records every
 * request's latency and end time (ms since start), and when each distinct body was first seen.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { LatencyLoadOptions, LatencyLoadResult } from './latency-load.js';

const MAX_ERRORS_KEPT = 20;
const REQUEST_TIMEOUT_MS = 15_000;

const options = workerData as LatencyLoadOptions;
const capacity = options.maxRequests + options.connections;
const latenciesMs = new Float32Array(capacity);
const endsMs = new Float32Array(capacity);
const failureEndsMs: number[] = [];
const errors: string[] = [];
const bodies: { body: string; firstSeenMs: number }[] = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
const startedAt = performance.timeOrigin + performance.now();
const t0 = performance.now();
const deadline = t0 + options.maxSeconds * 1000;
let count = 0;
let failed = 0;
let isStopped = false;

function record(startMs: number, failure?: string): void {
  const now = performance.now();
  latenciesMs[count] = now - startMs;
  endsMs[count] = now - t0;
  count++;
  if (failure === undefined) return;
  failed++;
  if (failureEndsMs.length < 100_000) failureEndsMs.push(now - t0);
  if (errors.length < MAX_ERRORS_KEPT) errors.push(failure);
}

function once(): Promise<void> {
  return new Promise((resolve) => {
    const startMs = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port: options.port,
        path: options.path,
        agent,
        headers: { host: options.host },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode === 200) {
            if (!bodies.some((b) => b.body === body)) bodies.push({ body, firstSeenMs: performance.now() - t0 });
            record(startMs);
          } else record(startMs, `HTTP ${res.statusCode}: ${body.slice(0, 100)}`);
          resolve();
        });
        res.on('error', (error) => {
          record(startMs, `response: ${error.message}`);
          resolve();
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => {
      record(startMs, `request: ${error.message}`);
      resolve();
    });
    req.end();
  });
}

async function worker(): Promise<void> {
  while (!isStopped && performance.now() < deadline && count < options.maxRequests) await once();
}

parentPort!.on('message', (message: unknown) => {
  if (message === 'stop') isStopped = true;
});

parentPort!.postMessage({ type: 'started' });
await Promise.all(Array.from({ length: options.connections }, worker));
const seconds = (performance.now() - t0) / 1000;
agent.destroy();
const result: LatencyLoadResult = {
  requests: count,
  failed,
  errors,
  bodies,
  seconds,
  startedAt,
  hitRequestCap: count >= options.maxRequests,
  latenciesMs: latenciesMs.slice(0, count),
  endsMs: endsMs.slice(0, count),
  failureEndsMs,
};
// slice() made plain ArrayBuffers (not shared ones), so the samples move to the caller without a copy.
parentPort!.postMessage({ type: 'result', result }, [
  result.latenciesMs.buffer as ArrayBuffer,
  result.endsMs.buffer as ArrayBuffer,
]);
