/**
 * Names of the Kubernetes objects Berth makes. Project and service names come through the allow-list of
 * src/projects/names.ts (a DNS label starting with a letter, at most 63 characters), ids are
 * `<prefix>_<12 of [0-9a-z]>` (src/lib/ids.ts): every name here is a valid Kubernetes name for any of
 * them (test/unit/workload-kubernetes-specs.test.ts). Pure functions.
 */

/** DNS labels have no `_`: an id's separator becomes `-` (`prj_0123456789ab` → `prj-0123456789ab`). */
function idLabel(id: string): string {
  return id.replace('_', '-');
}

/** One namespace per project, named by its id (a project can be renamed; its namespace stays). */
export function projectNamespaceName(projectId: string): string {
  return `berth-${idLabel(projectId)}`;
}

/**
 * An app service's Deployment and Service carry the service's own name, so its siblings in the namespace
 * reach it as `http://<service>:<port>`, as they do on the project's Docker network.
 */
export function appDeploymentName(serviceName: string): string {
  return serviceName;
}

export function appServiceName(serviceName: string): string {
  return serviceName;
}

/**
 * The variables of one deployment, in a Secret of their own: a redeploy with changed variables changes the
 * pod template (a rollout), and the pods of the previous ReplicaSet keep the values they started with.
 */
export function deploymentSecretName(serviceName: string, deploymentId: string): string {
  return `${serviceName}-vars-${deploymentId.slice(4)}`;
}

/** The one container of an app pod. */
export const APP_CONTAINER_NAME = 'app';

/** The named container port the probe, the Service and the endpoints refer to. */
export const APP_PORT_NAME = 'http';

/** Who wrote an object (the recommended label) and the field manager of Berth's server-side applies. */
export const MANAGED_BY = 'berth';
