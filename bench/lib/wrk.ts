/**
 * One bounded wrk run (Debian's `wrk` package) and its result: requests/s, p50/p99 latency and errors.
 * wrk is a C load generator, so it is not the bottleneck a Node client would be.
 */
import { spawn } from 'node:child_process';

export interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors (connect/read/write/timeout) plus non-2xx/3xx answers. */
  errors: number;
}

export interface WrkRun {
  url: string;
  host: string;
  connections: number;
  seconds: number;
  threads: number;
}

export function runWrk(run: WrkRun): Promise<WrkResult> {
  const argv = [
    ...['-t', String(run.threads), '-c', String(run.connections), '-d', `${run.seconds}s`],
    ...['--timeout', '5s', '--latency', '-H', `Host: ${run.host}`, run.url],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    child.stderr.on('data', (data: Buffer) => (out += data.toString()));
    // wrk stops itself after -d; this only guards against a hung run.
    const guard = setTimeout(() => child.kill('SIGKILL'), (run.seconds + 20) * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(guard);
      try {
        if (code !== 0) throw new Error(`wrk exited with ${code}`);
        resolve(parseWrk(out));
      } catch (error) {
        reject(new Error(`${(error as Error).message}; wrk said:\n${out.slice(0, 1000)}`));
      }
    });
  });
}

export function parseWrk(out: string): WrkResult {
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(out);
    if (!match) throw new Error(`no ${pattern} in wrk output`);
    return Number(match[1]);
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors =
    (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) +
    (/Non-2xx or 3xx responses: (\d+)/.exec(out) ? number(/Non-2xx or 3xx responses: (\d+)/) : 0);
  return {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    requests: number(/(\d+) requests in/),
    p50Ms: latencyMs(out, '50%'),
    p99Ms: latencyMs(out, '99%'),
    errors,
  };
}

function latencyMs(out: string, label: string): number {
  const match = new RegExp(`^\\s+${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
  if (!match) throw new Error(`no ${label} latency in wrk output`);
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}
