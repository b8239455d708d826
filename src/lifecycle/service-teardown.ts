/**
 * Deleting an app service takes everything it had with it, in an order that keeps users safe: cancel its
 * deployments, take it off the proxy (its hostnames answer 404 at once), let in-flight requests drain, stop
 * and remove its containers and its volumes (with their backups), delete its rows (variables, deployment history, domains, webhooks and their
 * deliveries go by foreign key cascade), then the files and images nobody can reach any more: certificates,
 * images, the git repository, working copies and deployment logs.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ACTIVE_PHASES } from '../deploys/deployment.types.js';
import { listDeploymentsOfService } from '../deploys/deployments.repository.js';
import { listServiceDomains } from '../domains/domains.repository.js';
import { AppError } from '../errors.js';
import { defaultHostname, type AppService, type Project } from '../projects/service.types.js';
import { deleteAppServiceRow } from '../projects/services.repository.js';
import type { Runtime } from '../runtime/runtime.js';
import { serviceSelector } from '../workloads/labels.js';
import { CertificateFiles } from '../tls/certificate-files.js';
import { deleteCertificate } from '../tls/certificates.repository.js';
import { listDeploymentIdsOfService } from './lifecycle.repository.js';
import type { LifecycleDeps } from './ports.js';
import { TeardownReport } from './teardown-report.js';

const PENDING = new Set<string>(['queued', ...ACTIVE_PHASES]);
/** Ids Berth generates for deployments (newId('dep')): the only names turned into file paths here. */
const DEPLOYMENT_ID = /^dep_[0-9a-z]+$/;

/** Refuses to start while the engine is away: half a teardown would leave containers nobody tracks. */
export function requireEngine(runtime: Runtime): void {
  const state = runtime.state();
  if (!state.available) {
    throw new AppError(
      'DOCKER_UNAVAILABLE',
      `The Docker engine is not reachable (${state.reason}), so nothing was deleted. Try again once it is back.`,
    );
  }
}

export async function tearDownAppService(
  deps: LifecycleDeps,
  service: AppService,
  project: Project,
  report = new TeardownReport(),
): Promise<TeardownReport> {
  const { db, runtime } = deps;
  await cancelDeployments(deps, service.id, report);

  const domains = await listServiceDomains(db, service.id);
  const hostnames = [
    defaultHostname(service.name, project.hostScope, deps.appsDomain),
    ...domains.map((d) => d.hostname),
  ];
  deps.router.removeService(service.id);
  report.done(`Stopped routing ${hostnames.join(', ')}`);

  if (deps.cluster) {
    // Before the rows, as with containers: if the cluster fails here, the service can be deleted again.
    await deps.cluster.removeApp(project, service);
    deps.router.removeService(service.id);
    report.done(`Deleted its Deployment, Service and Secrets on the cluster`);
  }
  // Containers before rows: if the engine fails here, the service is still there to delete again.
  const removed = await removeContainers(deps, service.id, report);
  // A deploy requested while this ran (draining can take a while) is cancelled too, before the rows go.
  if ((await cancelDeployments(deps, service.id, report)) > 0) {
    deps.router.removeService(service.id);
    await removeContainers(deps, service.id, report);
  }
  report.done(`Removed ${removed} container(s)`);
  // Volumes go with the service (the delete confirmation says so), after the containers that mounted them.
  if (deps.volumes) {
    const volumes = await deps.volumes.removeAllOf(service.id);
    if (volumes > 0) report.done(`Deleted ${volumes} volume(s) with their data and backups`);
  }

  const deploymentIds = await listDeploymentIdsOfService(db, service.id);
  await deleteAppServiceRow(db, service.id);
  report.done(`Deleted service "${service.name}" with its variables, deployment history, domains and webhooks`);

  if (domains.length > 0) {
    await report.attempt('Removing certificates', async () => {
      deps.domains?.forget(service.id, hostnames);
      const files = new CertificateFiles(deps.certsDir);
      for (const domain of domains) {
        await files.remove(domain.hostname);
        await deleteCertificate(db, domain.hostname);
      }
      return `Removed the certificates of ${domains.map((d) => d.hostname).join(', ')}`;
    });
  }
  await report.attempt('Removing images', () => removeImages(runtime, serviceSelector(service.id)));
  await report.attempt('Removing the git repository', async () => {
    const path = deps.repos?.pathOf(project.name, service.name, service.id);
    if (!path) return undefined;
    await rm(path, { recursive: true, force: true });
    return 'Removed its git repository (the push remote)';
  });
  await report.attempt('Removing deployment files', async () => {
    const ids = deploymentIds.filter((id) => DEPLOYMENT_ID.test(id));
    for (const id of ids) {
      await rm(join(deps.buildsDir, id), { recursive: true, force: true });
      await rm(join(deps.deploymentLogsDir, `${id}.log`), { force: true });
    }
    return ids.length > 0 ? `Removed ${ids.length} deployment log(s) and working copies` : undefined;
  });
  return report;
}

/** Cancels the service's queued and running deployments (each run cleans up after itself); returns how many. */
async function cancelDeployments(deps: LifecycleDeps, serviceId: string, report: TeardownReport): Promise<number> {
  const pending = (await listDeploymentsOfService(deps.db, serviceId)).filter((d) => PENDING.has(d.status));
  for (const deployment of pending) {
    await report.attempt(`Cancelling deployment ${deployment.id}`, async () => {
      await deps.deployments.cancel(deployment.id);
      return `Cancelled deployment ${deployment.id} (${deployment.status})`;
    });
  }
  return pending.length;
}

/** Lets in-flight requests finish (the route is already gone), then stops and removes every container of the service. */
async function removeContainers(deps: LifecycleDeps, serviceId: string, report: TeardownReport): Promise<number> {
  const { runtime } = deps;
  const containers = await runtime.listContainers(serviceSelector(serviceId));
  if (containers.length === 0) return 0;
  const drain = await deps.router.waitForDrain(
    containers.map((c) => c.id),
    deps.drainTimeoutMs,
  );
  if (!drain.drained) report.done(`Stopped waiting for ${drain.remaining} in-flight request(s)`);
  for (const container of containers) {
    await runtime.stopContainer(container.id, deps.stopTimeoutSeconds).catch(() => undefined);
    // With its anonymous volumes (an image's VOLUME lines): nothing else can ever use them.
    await runtime.removeContainer(container.id, { volumes: true });
  }
  return containers.length;
}

/** Removes every image carrying the labels, tag by tag (an image still used by a container stays an error). */
export async function removeImages(runtime: Runtime, labels: Record<string, string>): Promise<string | undefined> {
  const images = await runtime.listImages(labels);
  for (const image of images) {
    if (image.tags.length === 0) await runtime.removeImage(image.id);
    for (const tag of image.tags) await runtime.removeImage(tag);
  }
  return images.length > 0 ? `Removed ${images.length} image(s)` : undefined;
}
