/**
 * Probes a live app container with the service's own health check (the HTTP path or TCP port the deploy
 * waited on), one attempt. Alerts need it to fail on two evaluations in a row, so one slow answer does
 * not page anybody.
 */
import { portOfContainer } from '../../deploys/app-port.js';
import { checkOnce } from '../../deploys/health-check.js';
import type { Db } from '../../db/connection.js';
import { projectNetworkName } from '../../workloads/names.js';
import { findAppServiceById } from '../../projects/services.repository.js';
import type { ContainerDetails } from '../../runtime/runtime.js';

/** Why the check failed, or null when it passed or cannot be probed (no address on the project network). */
export async function probeAppHealth(
  db: Db,
  serviceId: string,
  projectId: string,
  details: ContainerDetails,
): Promise<string | null> {
  const service = await findAppServiceById(db, serviceId);
  const host = details.ipAddresses[projectNetworkName(projectId)];
  if (!service || !host) return null;
  const result = await checkOnce({ host, port: portOfContainer(details, service) }, service.healthcheck);
  return result.ok ? null : result.reason;
}
