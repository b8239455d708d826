/**
 * Which container a web terminal opens into: one running container of the service's ACTIVE deployment,
 * found by the service's own labels and checked again on the container itself. Berth's own containers
 * (the daemon, the upgrader), release runs and databases carry a `berth.role` label and are never a target;
 * nor is a container whose project or service label is not this service's (another project's).
 */
import { findActiveDeployment } from '../deploys/deployments.repository.js';
import type { DeployDeps } from '../deploys/deploy-context.js';
import { AppError } from '../errors.js';
import type { ContainerSummary, TerminalExec } from '../runtime/runtime.js';
import { LABELS } from '../workloads/labels.js';

export interface TerminalTarget {
  containerId: string;
  containerName: string;
  replica: string;
  deploymentId: string;
}

/** Whether a container is an app container of exactly this service (never Berth's, a database or a release run). */
export function isAppContainerOf(container: ContainerSummary, service: { id: string; projectId: string }): boolean {
  const labels = container.labels;
  return (
    labels[LABELS.managed] === 'true' &&
    labels[LABELS.project] === service.projectId &&
    labels[LABELS.service] === service.id &&
    labels[LABELS.role] === undefined
  );
}

/**
 * The running container to open into: the given replica, else the first. NOT a target, refused with
 * FORBIDDEN: a container of the deployment that is Berth's own or a database (a `berth.role`), or whose
 * labels name another project or service. Nothing running: CONFLICT.
 */
export async function findTerminalTarget(
  deps: Pick<DeployDeps, 'db' | 'runtime'>,
  service: { id: string; projectId: string },
  replica: string | undefined,
): Promise<TerminalTarget> {
  const active = await findActiveDeployment(deps.db, service.id);
  if (!active)
    throw new AppError('CONFLICT', 'This service has no active deployment: nothing runs to open a terminal in.');
  const running = (await deps.runtime.listContainers({ [LABELS.deployment]: active.id }))
    .filter((c) => c.state === 'running' && (replica === undefined || c.labels[LABELS.replica] === replica))
    .sort((a, b) => Number(a.labels[LABELS.replica] ?? 0) - Number(b.labels[LABELS.replica] ?? 0));
  const chosen = running.find((c) => isAppContainerOf(c, service));
  if (!chosen && running.length > 0)
    throw new AppError('FORBIDDEN', 'That container is not an app container of this service: no terminal opens there.');
  if (!chosen)
    throw new AppError(
      'CONFLICT',
      replica === undefined ? 'No container of this service is running.' : `Replica ${replica} is not running.`,
    );
  return {
    containerId: chosen.id,
    containerName: chosen.name,
    replica: chosen.labels[LABELS.replica] ?? '1',
    deploymentId: active.id,
  };
}

/** Starts argv with a TTY in the target container (TERM set for xterm.js); the session ends it. */
export function startTerminal(
  deps: Pick<DeployDeps, 'runtime'>,
  target: TerminalTarget,
  argv: string[],
  size: { cols: number; rows: number },
): Promise<TerminalExec> {
  return deps.runtime.openTerminal(target.containerId, argv, { ...size, env: { TERM: 'xterm-256color' } });
}
