/**
 * An upgrade of the proxy's workers without closing its listening sockets. Node 20 has no SO_REUSEPORT,
 * so the sockets stay where they are: the supervisor (the node:cluster primary) holds them and new
 * workers, forked from the code on disk now, share the same handles. Only once every new worker says it
 * listens are the old ones told to drain (stop accepting, `Connection: close` on what still comes, let
 * idle keep-alive connections end on their own timeout, at most `drainBoundMs`; listener-drain.ts) and
 * exit. A new worker that exits or does not listen in time fails the handover: the new ones are closed
 * and the old ones keep serving, so a broken release never takes the proxy down.
 */
import type { Worker } from 'node:cluster';
import { AppError } from '../../errors.js';
import type { FromWorker, ToWorker } from './proxy-worker.js';

export interface HandoverPlan {
  /** New workers to start. */
  count: number;
  /** Forks one worker the supervisor tracks (changes reach it once it is ready). */
  fork: () => Worker;
  /** Marks a worker as leaving: it is not replaced when it exits. */
  retire: (worker: Worker) => void;
  readyTimeoutMs: number;
  drainBoundMs: number;
  /** After the drain bound: the time an old worker gets before it is killed. */
  killGraceMs: number;
}

/** Starts the new workers, then drains the old ones; resolves with the new ones once they all listen. */
export async function handOver(old: readonly Worker[], plan: HandoverPlan): Promise<Worker[]> {
  const started = Array.from({ length: plan.count }, () => plan.fork());
  try {
    await Promise.all(started.map((worker) => listening(worker, plan.readyTimeoutMs)));
  } catch (error) {
    for (const worker of started) stop(worker, plan, { kind: 'close' }, plan.killGraceMs);
    throw error;
  }
  for (const worker of old) stop(worker, plan, { kind: 'drain', boundMs: plan.drainBoundMs }, plan.drainBoundMs);
  return started;
}

function stop(worker: Worker, plan: HandoverPlan, message: ToWorker, boundMs: number): void {
  plan.retire(worker);
  if (worker.isConnected()) worker.send(message);
  // Bounded: a worker that does not exit by itself is killed.
  const kill = setTimeout(() => worker.process.kill('SIGKILL'), boundMs + plan.killGraceMs);
  kill.unref();
  worker.once('exit', () => clearTimeout(kill));
}

function listening(worker: Worker, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    const onMessage = (message: FromWorker) => {
      if (message.kind === 'listening') done();
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(new AppError('INTERNAL', `a new proxy worker exited (${signal ?? code}) before it listened`));
    const timer = setTimeout(
      () => done(new AppError('INTERNAL', `a new proxy worker did not listen within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    worker.on('message', onMessage);
    worker.on('exit', onExit);
  });
}
