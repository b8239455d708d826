/**
 * At start: a stack whose deploy the daemon died under is marked failed (with the reason), and each
 * running stack's routed container (the newest generation that runs) gets its route back, since routes
 * come from the database and the engine, never from memory alone.
 */
import type { Db } from '../db/connection.js';
import type { Router } from '../deploys/ports.js';
import type { Runtime } from '../runtime/runtime.js';
import { STACK_LABELS, stackNetworkName, stackSelector } from '../workloads/stack-spec.js';
import type { Stack } from './stack.types.js';
import { listStackRows, setStackStatus, toStack } from './stacks.repository.js';

export async function recoverStacks(
  deps: { db: Db; runtime: Runtime; router: Router },
  hostnamesOf: (stack: Stack) => Promise<string[]>,
): Promise<number> {
  let restored = 0;
  for (const row of await listStackRows(deps.db)) {
    if (row.status === 'deploying')
      await setStackStatus(deps.db, row.id, 'failed', {
        error: 'The Berth daemon stopped during this deploy; deploy again.',
      });
    if (row.status !== 'running' && row.status !== 'deploying') continue;
    const stack = toStack(row);
    const routed = (await deps.runtime.listContainers(stackSelector(stack.id)))
      .filter((c) => c.state === 'running' && c.labels[STACK_LABELS.stackService] === stack.routedService)
      .sort((a, b) => Number(b.labels[STACK_LABELS.generation]) - Number(a.labels[STACK_LABELS.generation]))[0];
    // The routed container names the network the proxy reaches it on (older ones: the stack's default).
    const network = routed?.labels[STACK_LABELS.routeNetwork] ?? stackNetworkName(stack.id);
    const host = routed && (await deps.runtime.inspectContainer(routed.id))?.ipAddresses[network];
    if (!routed || !host) continue;
    deps.router.setRoute(await hostnamesOf(stack), stack.id, [{ id: routed.id, host, port: stack.routedPort }]);
    restored++;
  }
  return restored;
}
