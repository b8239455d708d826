/**
 * When the daemon hands its state to the proxy process (process mode). Normally at once, after every
 * route was restored. A daemon that starts while the Docker engine does not answer has no app routes
 * (it cannot see the containers), and its snapshot would make the proxy drop every app: then it holds,
 * the proxy keeps serving its last state, and the release waits until the engine answers and the
 * routes are restored again.
 */
import type { Logger } from '../logger.js';
import type { RemoteProxy } from '../proxy/process/remote-proxy.js';

export interface ReleaseGate {
  /** Whether the engine answers now. */
  engineAvailable(): boolean;
  /** Whether the routes were restored at start (false when the engine did not answer). */
  routesRestored: boolean;
  /** Restores the routes again (apps, stacks); run once the engine answers, before the release. */
  restore(): Promise<void>;
  recheckMs: number;
}

/** Releases now or once the gate opens; the returned function stops waiting (daemon shutdown). */
export async function releaseWhenRoutesRestored(
  remote: RemoteProxy,
  gate: ReleaseGate,
  logger: Logger,
): Promise<() => void> {
  if (gate.routesRestored && gate.engineAvailable()) {
    await remote.release();
    return () => undefined;
  }
  logger.warn(
    'the Docker engine does not answer: the proxy keeps serving its last routes until they are restored here',
  );
  let isWaiting = false;
  const timer = setInterval(() => {
    if (isWaiting || !gate.engineAvailable()) return;
    isWaiting = true;
    gate
      .restore()
      .then(async () => {
        clearInterval(timer);
        await remote.release();
        logger.info('routes restored: the proxy has the current state');
      })
      .catch((error: unknown) =>
        logger.warn({ err: error }, 'could not restore the routes yet; the proxy keeps its last state'),
      )
      .finally(() => {
        isWaiting = false;
      });
  }, gate.recheckMs);
  timer.unref();
  return () => clearInterval(timer);
}
