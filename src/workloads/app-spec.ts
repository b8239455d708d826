/**
 * The containers of an app deployment, as backend-neutral specs: the replicas that serve traffic and the
 * one-off release container. The deploy steps build a spec here (pure) and hand it to
 * runtime.createContainer (I/O); a Kubernetes backend can map the same spec to a Deployment.
 */
import type { ContainerSpec, VolumeMount } from '../runtime/runtime.js';
import {
  LABELS,
  ROLES,
  deploymentLabels,
  environmentLabels,
  projectLabels,
  serviceLabels,
  type Labels,
} from './labels.js';
import { appContainerName, releaseContainerName } from './names.js';

/** What a workload needs to know about its project: ids and names only. */
export interface WorkloadProject {
  id: string;
  name: string;
  networkName: string;
  /** The environment the workload runs in (its network and containers are labelled with it). */
  environmentId?: string;
}

export interface AppWorkload {
  project: WorkloadProject;
  service: { id: string; name: string; resources: { memoryMb?: number | null; cpus?: number | null } };
  deploymentId: string;
  image: string;
  /** The resolved variables of the deployment. */
  env: Record<string, string>;
  /** The command of the app's containers, replacing the image's CMD (a berth.json `start`). */
  cmd?: string[];
  /** The service's named volumes (volume-spec.ts), mounted into its replicas and its release container. */
  volumes?: VolumeMount[];
}

/** A bridge network, or a named volume: a name and its labels. */
export interface NamedObjectSpec {
  name: string;
  labels: Labels;
}

/** The project's network (created on the first deploy or database that needs it). */
export function projectNetworkSpec(
  project: Pick<WorkloadProject, 'id' | 'networkName' | 'environmentId'>,
): NamedObjectSpec {
  return {
    name: project.networkName,
    labels: { ...projectLabels(project.id), ...environmentLabels(project.environmentId) },
  };
}

/**
 * The labels of the image a deployment builds: its project, environment and service, deliberately not the
 * deployment. The legacy builder turns build labels into a last build step, and a label that changes on every
 * build is a step that is never cached: it cost 0.3-0.5 s per warm deploy here (bench:deploy). The deployment
 * is in the image's tag instead (builtImageTag), where the janitor reads it.
 */
export function builtImageLabels(workload: Pick<AppWorkload, 'project' | 'service'>): Labels {
  return {
    ...serviceLabels({ projectId: workload.project.id, serviceId: workload.service.id }),
    ...environmentLabels(workload.project.environmentId),
  };
}

/** The labels of a container a deployment starts (replicas, workers, its release command). */
export function deploymentContainerLabels(workload: Pick<AppWorkload, 'project' | 'service' | 'deploymentId'>): Labels {
  return {
    ...deploymentLabels({
      projectId: workload.project.id,
      serviceId: workload.service.id,
      deploymentId: workload.deploymentId,
    }),
    ...environmentLabels(workload.project.environmentId),
  };
}

/** MB → bytes; absent or 0 means no limit. */
export function memoryLimitBytes(memoryMb: number | null | undefined): number | undefined {
  return memoryMb ? memoryMb * 1024 * 1024 : undefined;
}

/** CPUs → the engine's nano-CPUs; absent or 0 means no limit. */
export function nanoCpusOf(cpus: number | null | undefined): number | undefined {
  return cpus ? Math.round(cpus * 1e9) : undefined;
}

/**
 * Replica `replica` of an app: on the project network under the service's name (siblings reach it as
 * `http://<service>:<port>`), PORT set to the port it must listen on (and recorded as a label, since
 * health checks and routes read it back), the service's limits, restarted by the engine unless stopped.
 */
export function appContainerSpec(workload: AppWorkload, replica: number, port: number): ContainerSpec {
  const { project, service } = workload;
  return {
    name: appContainerName(project.name, service.name, workload.deploymentId, replica),
    image: workload.image,
    ...(workload.cmd ? { cmd: workload.cmd } : {}),
    env: { ...workload.env, PORT: String(port) },
    labels: { ...deploymentContainerLabels(workload), [LABELS.replica]: String(replica), [LABELS.port]: String(port) },
    network: project.networkName,
    networkAliases: [service.name],
    memoryBytes: memoryLimitBytes(service.resources.memoryMb),
    nanoCpus: nanoCpusOf(service.resources.cpus),
    restartPolicy: 'unless-stopped',
    ...(workload.volumes?.length ? { volumes: workload.volumes } : {}),
  };
}

/**
 * The release command (e.g. migrations) in a one-off container of the new image, on the project network
 * (it reaches the databases), never restarted; no PORT, no alias: it serves nothing.
 */
export function releaseContainerSpec(workload: AppWorkload, argv: string[]): ContainerSpec {
  return {
    name: releaseContainerName(workload.deploymentId),
    image: workload.image,
    cmd: argv,
    env: workload.env,
    labels: { ...deploymentContainerLabels(workload), [LABELS.role]: ROLES.release },
    network: workload.project.networkName,
    restartPolicy: 'no',
    ...(workload.volumes?.length ? { volumes: workload.volumes } : {}),
  };
}
