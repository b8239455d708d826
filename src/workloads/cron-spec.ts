/**
 * The one-off container of a cron run, as a backend-neutral spec (pure; tested by equality). It runs the
 * service's current deployment image with the service's variables on the project network, mounts the
 * service's volumes where its replicas do, is never restarted, and carries the service's labels plus the
 * job and run (no `berth.deployment`: it never serves, and the deploy steps leave it alone), so Berth
 * finds and cleans it by label.
 */
import type { ContainerSpec, VolumeMount } from '../runtime/runtime.js';
import { memoryLimitBytes, nanoCpusOf, type WorkloadProject } from './app-spec.js';
import { LABELS, ROLES, serviceLabels, type Labels } from './labels.js';
import { cronRunContainerName } from './names.js';

/** A command given as argv runs as is; a shell command runs through the image's own `/bin/sh -c`. */
export type CronCommand = { argv: string[] } | { shell: string };

export interface CronRunWorkload {
  project: Pick<WorkloadProject, 'id' | 'networkName'>;
  service: { id: string; resources: { memoryMb?: number | null; cpus?: number | null } };
  jobId: string;
  runId: string;
  image: string;
  env: Record<string, string>;
  command: CronCommand;
  /** The service's named volumes (volume-spec.ts serviceVolumeMounts), as its replicas mount them. */
  volumes?: VolumeMount[];
}

/** The argv the container runs (never a shell on the host: `/bin/sh -c` is the image's, inside it). */
export function cronArgv(command: CronCommand): string[] {
  return 'argv' in command ? [...command.argv] : ['/bin/sh', '-c', command.shell];
}

export function cronRunLabels(workload: Pick<CronRunWorkload, 'project' | 'service' | 'jobId' | 'runId'>): Labels {
  return {
    ...serviceLabels({ projectId: workload.project.id, serviceId: workload.service.id }),
    [LABELS.role]: ROLES.cron,
    [LABELS.cronJob]: workload.jobId,
    [LABELS.cronRun]: workload.runId,
  };
}

/** Selects every run container of one job (delete, replace). */
export function cronJobSelector(jobId: string): Labels {
  return { [LABELS.cronJob]: jobId };
}

/** Selects the container of one run (found by label even when its id was never recorded). */
export function cronRunSelector(runId: string): Labels {
  return { [LABELS.cronRun]: runId };
}

export function cronRunContainerSpec(workload: CronRunWorkload): ContainerSpec {
  return {
    name: cronRunContainerName(workload.jobId, workload.runId),
    image: workload.image,
    cmd: cronArgv(workload.command),
    env: workload.env,
    labels: cronRunLabels(workload),
    network: workload.project.networkName,
    memoryBytes: memoryLimitBytes(workload.service.resources.memoryMb),
    nanoCpus: nanoCpusOf(workload.service.resources.cpus),
    restartPolicy: 'no',
    ...(workload.volumes?.length ? { volumes: workload.volumes } : {}),
  };
}
