/**
 * Which port an app listens on. A service may name one; without it, each deploy uses the port its image
 * declares with EXPOSE (what `docker run -P` and most hosted platforms go by), else DEFAULT_PORT. The
 * chosen port is written on each container (label berth.port), so health checks and recovery after a
 * restart use the port that container was started with, whatever the service says by then.
 */
import { DEFAULT_PORT, type AppService } from '../projects/service.types.js';
import type { ContainerDetails, Runtime } from '../runtime/runtime.js';
import { LABELS } from '../workloads/labels.js';

/** Of several exposed ports, the default one if it is among them, else the lowest. */
function pickExposed(exposed: readonly number[]): number | undefined {
  return exposed.includes(DEFAULT_PORT) ? DEFAULT_PORT : exposed[0];
}

export async function chooseAppPort(
  runtime: Pick<Runtime, 'inspectImage'>,
  service: Pick<AppService, 'port'>,
  image: string,
): Promise<{ port: number; why: string }> {
  if (service.port !== null) return { port: service.port, why: 'the port set on the service' };
  const exposed = (await runtime.inspectImage(image))?.exposedTcpPorts ?? [];
  const port = pickExposed(exposed);
  if (port === undefined) return { port: DEFAULT_PORT, why: 'no port is set and the image exposes none' };
  return {
    port,
    why: `no port is set; the image exposes ${exposed.join(', ')}`,
  };
}

/** The port a container was started with; containers from before the label existed use the service's. */
export function portOfContainer(details: Pick<ContainerDetails, 'labels'>, service: Pick<AppService, 'port'>): number {
  const labelled = Number(details.labels[LABELS.port]);
  if (Number.isInteger(labelled) && labelled >= 1 && labelled <= 65535) return labelled;
  return service.port ?? DEFAULT_PORT;
}

/**
 * When a health check was refused on a port the image does not expose, the words that tell the user
 * which port to set; undefined when the image gives no better guess.
 */
export async function refusedPortHint(
  runtime: Pick<Runtime, 'inspectImage'>,
  image: string,
  port: number,
): Promise<string | undefined> {
  const exposed = (await runtime.inspectImage(image).catch(() => undefined))?.exposedTcpPorts ?? [];
  const better = pickExposed(exposed);
  if (better === undefined || exposed.includes(port)) return undefined;
  return `connection refused on ${port}; the image exposes ${exposed.join(', ')} — set the port to ${better}`;
}
