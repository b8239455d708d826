/**
 * Waiting on a stack's containers: a depends_on condition (started, healthy by the engine's health check,
 * completed successfully), and the routed service's readiness before the route moves (the engine's
 * health check when the file has one, then a TCP connect to the routed port from Berth's side).
 */
import { waitUntilHealthy } from '../deploys/health-check.js';
import type { ContainerDetails, Runtime } from '../runtime/runtime.js';
import type { DependsCondition } from './compose.types.js';

export class StackFailure extends Error {}

const POLL_MS = 250;

export interface WaitTiming {
  /** How long a depends_on condition or the routed service may take. */
  timeoutMs: number;
}

export async function waitForCondition(
  runtime: Runtime,
  containerId: string,
  service: string,
  condition: DependsCondition,
  timing: WaitTiming,
): Promise<void> {
  const deadline = Date.now() + timing.timeoutMs;
  for (;;) {
    const details = await runtime.inspectContainer(containerId);
    const verdict = judge(details, condition);
    if (verdict === true) return;
    if (typeof verdict === 'string') throw new StackFailure(`${service}: ${verdict}`);
    if (Date.now() > deadline)
      throw new StackFailure(`${service} did not reach ${condition} within ${Math.round(timing.timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** true: met; a string: can never be met (why); false: not yet. */
function judge(details: ContainerDetails | undefined, condition: DependsCondition): boolean | string {
  if (!details) return 'its container is gone';
  const ended = details.state === 'exited' || details.state === 'dead';
  if (condition === 'service_completed_successfully') {
    if (!ended) return false;
    return details.exitCode === 0 ? true : `exited with code ${details.exitCode ?? '?'}`;
  }
  if (ended) return `its container stopped (exit code ${details.exitCode ?? '?'})`;
  if (condition === 'service_started') return details.state === 'running';
  if (details.health === null) return 'depends_on asks for service_healthy, but the service has no healthcheck';
  if (details.health === 'unhealthy') return 'its health check failed';
  return details.health === 'healthy';
}

/** The routed container is ready: engine health check passed (when there is one) and the port accepts connections. */
export async function waitUntilRoutable(
  runtime: Runtime,
  containerId: string,
  network: string,
  port: number,
  hasHealthcheck: boolean,
  timing: WaitTiming,
): Promise<{ id: string; host: string; port: number }> {
  if (hasHealthcheck) await waitForCondition(runtime, containerId, 'the routed service', 'service_healthy', timing);
  const details = await runtime.inspectContainer(containerId);
  const host = details?.ipAddresses[network];
  if (!host) throw new StackFailure('the routed service has no address on the stack network');
  const isStillRunning = async () => (await runtime.inspectContainer(containerId))?.state === 'running';
  const result = await waitUntilHealthy(
    { host, port },
    { type: 'tcp', timeoutSeconds: Math.ceil(timing.timeoutMs / 1000) },
    { isStillRunning },
  );
  if (!result.ok) throw new StackFailure(`the routed service is not reachable: ${result.reason}`);
  return { id: containerId, host, port };
}
