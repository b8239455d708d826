/**
 * A database's tools on Docker: exec in its container (after a data-file restore the container runs
 * again), and the throwaway container a backup is verified in.
 */
import type { Runtime } from '../runtime/runtime.js';
import type { ScratchServer } from './database-cluster.js';
import { startThrowawayContainer, waitHealthy } from './database-container.js';
import type { ManagedDatabase } from './database.types.js';
import type { DatabaseCredentials } from './engines/types.js';
import { ToolFailure, type ToolTarget } from './tool-runner.js';

/** Waits for a container whose server was shut down on purpose to run again, starting it if the engine did not. */
async function restartAfterShutdown(
  runtime: Runtime,
  containerId: string,
  startedBefore: string | null,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const details = await runtime.inspectContainer(containerId);
    if (!details) throw new ToolFailure('The database container disappeared during the restore.');
    if (details.state === 'exited' || details.state === 'dead' || details.state === 'created') {
      await runtime.startContainer(containerId);
    } else if (details.state === 'running' && details.startedAt !== startedBefore) {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new ToolFailure('The database did not come back within 60 s after the restore.');
}

export function dockerToolTarget(runtime: Runtime, containerId: string): ToolTarget {
  return {
    exec: (argv, options) => runtime.exec(containerId, argv, options),
    async restartAfterShutdown(shutdown) {
      const startedBefore = (await runtime.inspectContainer(containerId))?.startedAt ?? null;
      await shutdown();
      await restartAfterShutdown(runtime, containerId, startedBefore);
      await waitHealthy(runtime, containerId, 120_000);
    },
  };
}

/** The database's running container; a ToolFailure in words when there is none or it is not running. */
export async function dockerServerTarget(runtime: Runtime, database: ManagedDatabase): Promise<ToolTarget> {
  const details = database.containerId ? await runtime.inspectContainer(database.containerId) : undefined;
  if (!database.containerId || !details) throw new ToolFailure('The database has no container; start it first.');
  if (details.state !== 'running')
    throw new ToolFailure(`The database is not running (its container is ${details.state}).`);
  return dockerToolTarget(runtime, database.containerId);
}

/** A healthy throwaway container (no network, anonymous volume) with these credentials. */
export async function dockerScratchServer(
  runtime: Runtime,
  database: ManagedDatabase,
  credentials: DatabaseCredentials,
  purpose: string,
): Promise<ScratchServer> {
  const containerId = await startThrowawayContainer(runtime, database, credentials, purpose);
  const remove = async () => {
    await runtime.removeContainer(containerId, { volumes: true }).catch(() => undefined);
  };
  try {
    await waitHealthy(runtime, containerId, 120_000);
  } catch (error) {
    await remove();
    throw error;
  }
  return { target: dockerToolTarget(runtime, containerId), remove };
}
