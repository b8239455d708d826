/** Health checks of new containers before they receive traffic: an HTTP path with an expected status, or a TCP connect. */
import { request } from 'node:http';
import { connect } from 'node:net';
import type { HealthCheck } from '../projects/service.types.js';

const ATTEMPT_TIMEOUT_MS = 2000;
/** The first attempts come quickly (most apps listen within a few hundred ms), then every 250 ms. */
const retryDelayMs = (attempt: number) => Math.min(250, 25 * 2 ** attempt);

export interface Target {
  host: string;
  port: number;
}

/** `refused`: the container answered the connection with a reset (nothing listens on that port). */
type Attempt = { ok: true } | { ok: false; reason: string; refused?: boolean };

const isRefused = (error: Error) => (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';

function httpAttempt(target: Target, path: string, expectedStatus: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const req = request(
      { host: target.host, port: target.port, path, method: 'GET', timeout: ATTEMPT_TIMEOUT_MS, agent: false },
      (res) => {
        res.resume();
        resolve(
          res.statusCode === expectedStatus
            ? { ok: true }
            : { ok: false, reason: `GET ${path} answered ${res.statusCode}, expected ${expectedStatus}` },
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ATTEMPT_TIMEOUT_MS} ms`)));
    req.on('error', (error) =>
      resolve({ ok: false, reason: `GET ${path} failed: ${error.message}`, refused: isRefused(error) }),
    );
    req.end();
  });
}

function tcpAttempt(target: Target): Promise<Attempt> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port, timeout: ATTEMPT_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true });
    });
    socket.once('timeout', () => socket.destroy(new Error('connect timed out')));
    socket.once('error', (error) =>
      resolve({
        ok: false,
        reason: `TCP connect to port ${target.port} failed: ${error.message}`,
        refused: isRefused(error),
      }),
    );
  });
}

/** One attempt of the check, no retries (the alert rules probe live containers with it). */
export const checkOnce = (target: Target, check: HealthCheck): Promise<Attempt> =>
  check.type === 'http' ? httpAttempt(target, check.path, check.expectedStatus) : tcpAttempt(target);

/**
 * Polls until the check passes or its timeout ends. `isStillRunning` lets the caller stop early when the
 * container has exited (no point waiting out the timeout).
 */
export async function waitUntilHealthy(
  target: Target,
  check: HealthCheck,
  options: { isStillRunning: () => Promise<boolean>; signal?: AbortSignal },
): Promise<Attempt> {
  const deadline = Date.now() + check.timeoutSeconds * 1000;
  let last: Attempt & { ok: false } = { ok: false, reason: 'not checked yet' };
  let attempt = 0;
  while (Date.now() < deadline && !options.signal?.aborted) {
    const result =
      check.type === 'http' ? await httpAttempt(target, check.path, check.expectedStatus) : await tcpAttempt(target);
    if (result.ok) return result;
    last = result;
    if (!(await options.isStillRunning()))
      return { ...last, reason: `the container stopped before it was healthy (${last.reason})` };
    await new Promise((r) => setTimeout(r, retryDelayMs(attempt++)));
  }
  return { ...last, reason: `not healthy within ${check.timeoutSeconds} s: ${last.reason}` };
}
