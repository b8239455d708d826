/**
 * Names of the Docker objects Berth makes. Project, service and database names come through the
 * allow-list of src/projects/names.ts (lowercase letters, digits, single dashes; never `_`), ids are
 * `<prefix>_<12 of [0-9a-z]>` (src/lib/ids.ts): every name here is a valid Docker name for any of them
 * (test/unit/workload-names.test.ts). Pure functions.
 */

/** One bridge network per project: its services reach each other by name, nothing else does. */
export function projectNetworkName(projectId: string): string {
  return `berth-${projectId}`;
}

/**
 * An environment's network: production keeps the project's (`berth-<project id>`, so nothing made before
 * environments existed changes); every other environment has its own, named by its id.
 */
export function environmentNetworkName(projectId: string, environmentId: string, isProduction: boolean): string {
  return isProduction ? projectNetworkName(projectId) : `berth-${environmentId}`;
}

/** An app container: project and service names for people reading `docker ps`, then deployment and replica. */
export function appContainerName(
  projectName: string,
  serviceName: string,
  deploymentId: string,
  replica: number,
): string {
  return `berth-${projectName}-${serviceName}-${deploymentId.slice(4, 12)}-${replica}`;
}

/** The one-off container of a deployment's release command. */
export function releaseContainerName(deploymentId: string): string {
  return `berth-release-${deploymentId.slice(4)}`;
}

/**
 * `berth_<project>_<database>`: names never contain `_`, so no two databases of different projects can
 * share a container name (with `-` as the separator, `a-b` in `x` and `b` in `x-a` both were
 * `berth-x-a-b`). Containers made under the old scheme are found by id and label, never by name.
 */
export function databaseContainerName(projectName: string, databaseName: string): string {
  return `berth_${projectName}_${databaseName}`;
}

/** The name a running database container steps aside to while its replacement starts. */
export function previousDatabaseContainerName(name: string): string {
  return `${name}_previous`;
}

/** Where a database keeps its data, so its container can be replaced without losing it. */
export function databaseVolumeName(databaseId: string): string {
  return `berth-${databaseId}-data`;
}

/** A throwaway container of a database's image (a backup restored to be checked); `at` keeps names apart. */
export function throwawayContainerName(purpose: string, databaseId: string, at: number): string {
  return `berth-${purpose}-${databaseId.slice(4)}-${at.toString(36)}`;
}

/** The repository of every image built for a service. */
export function builtImageRepository(serviceId: string): string {
  return `berth/${serviceId}`;
}

/** The tag of the image a deployment builds: only that deployment ever creates it. */
export function builtImageTag(serviceId: string, deploymentId: string): string {
  return `${builtImageRepository(serviceId)}:${deploymentId}`;
}

/** The same image pushed to the operator's registry (BERTH_IMAGE_REGISTRY) for cluster nodes to pull. */
export function registryImageTag(registryPrefix: string, serviceId: string, deploymentId: string): string {
  return `${registryPrefix}/${serviceId}:${deploymentId}`;
}

/**
 * Whether an image reference is one Berth built for this service, locally or as pushed to the registry
 * (image retention and the janitor remove only those).
 */
export function isBuiltImageOf(serviceId: string, image: string, registryPrefix?: string): boolean {
  if (image.startsWith(`${builtImageRepository(serviceId)}:`)) return true;
  return registryPrefix !== undefined && image.startsWith(`${registryPrefix}/${serviceId}:`);
}

/** The short-lived container that upgrades Berth's own container (named after it). */
export function upgraderContainerName(selfName: string): string {
  return `${selfName}-upgrader`;
}

/** Where Berth's own previous container waits while the upgraded one proves itself. */
export function previousSelfContainerName(selfName: string): string {
  return `${selfName}-previous`;
}

/** The one-off container of one cron run: job and run ids (both `<prefix>_<12 of [0-9a-z]>`). */
export function cronRunContainerName(jobId: string, runId: string): string {
  return `berth-cron-${jobId.slice(4)}-${runId.slice(4)}`;
}

/** A named volume of an app service: service id (unique) then the volume's own name (`^[a-z][a-z0-9-]*$`). */
export function serviceVolumeName(serviceId: string, volumeName: string): string {
  return `berth-${serviceId}-vol-${volumeName}`;
}

/** A scratch volume a volume backup is restored into to be checked (removed right after). */
export function scratchVolumeName(backupId: string): string {
  return `berth-scratch-${backupId.slice(4)}`;
}

/** The throwaway container that archives, restores or reads a volume; `at` keeps names apart. */
export function volumeHelperContainerName(purpose: string, volumeId: string, at: number): string {
  return `berth-vol-${purpose}-${volumeId.slice(4)}-${at.toString(36)}`;
}
