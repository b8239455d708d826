/**
 * The containers of worker processes (Procfile types beyond `web`): the same image, variables, network and
 * limits as the web replicas of the deployment, the process type's command, no PORT and no network alias
 * (a worker is never routed and siblings do not reach it by the service's name), the service's volumes
 * mounted as in the web replicas (a queue worker reads the uploads the web process wrote), restarted by the
 * engine unless stopped. Pure, compared by exact equality (test/unit/worker-spec.test.ts).
 */
import type { ContainerSpec } from '../runtime/runtime.js';
import { deploymentContainerLabels, memoryLimitBytes, nanoCpusOf, type AppWorkload } from './app-spec.js';
import { LABELS, ROLES, type Labels } from './labels.js';

/** The container name of replica `replica` of a process type: like a web replica's, with the type. */
export function workerContainerName(
  projectName: string,
  serviceName: string,
  deploymentId: string,
  processType: string,
  replica: number,
): string {
  return `berth-${projectName}-${serviceName}-${deploymentId.slice(4, 12)}-${processType}-${replica}`;
}

/** Replica `replica` of the process type `processType`, running `argv` (already checked: build/procfile.ts). */
export function workerContainerSpec(
  workload: AppWorkload,
  processType: string,
  argv: string[],
  replica: number,
): ContainerSpec {
  const { project, service } = workload;
  return {
    name: workerContainerName(project.name, service.name, workload.deploymentId, processType, replica),
    image: workload.image,
    cmd: argv,
    env: workload.env,
    labels: {
      ...deploymentContainerLabels(workload),
      [LABELS.role]: ROLES.worker,
      [LABELS.process]: processType,
      [LABELS.replica]: String(replica),
    },
    network: project.networkName,
    memoryBytes: memoryLimitBytes(service.resources.memoryMb),
    nanoCpus: nanoCpusOf(service.resources.cpus),
    restartPolicy: 'unless-stopped',
    ...(workload.volumes?.length ? { volumes: workload.volumes } : {}),
  };
}

/** Selects the worker containers of one service (every release, every type). */
export function workerSelector(serviceId: string): Labels {
  return { [LABELS.service]: serviceId, [LABELS.role]: ROLES.worker };
}
