/** Assembles the deploy feature (log store, runner, queue) and gives the HTTP layer one object to call. */
import type { DeployDeps } from './deploy-context.js';
import { DeployQueue } from './deploy-queue.js';
import { DeployRunner } from './deploy-runner.js';
import type { Deployment } from './deployment.types.js';
import { DeploymentLogStore } from './deployment-log.js';
import { findDeployment, listDeploymentsOfService } from './deployments.repository.js';
import { cancelDeployment, requestDeployment, requestRollback } from './deploys.service.js';
import { recoverDeployments } from './recovery.js';
import { AppError } from '../errors.js';
import { serviceUrl } from '../projects/service.types.js';
import { DEFAULT_IMAGES_KEPT } from './image-retention.js';

export class DeploySystem {
  readonly logs: DeploymentLogStore;
  readonly queue: DeployQueue;

  constructor(
    readonly deps: DeployDeps,
    logsDir: string,
  ) {
    this.logs = new DeploymentLogStore(logsDir, deps.config.deployLogMaxBytes);
    this.queue = new DeployQueue(deps.db, new DeployRunner(deps, this.logs), deps.logger);
  }

  recover() {
    return recoverDeployments(this.deps, this.queue, this.logs);
  }

  async deploy(serviceId: string, trigger: 'manual' | 'api', triggeredBy: string | null): Promise<Deployment> {
    // A broken `${{service.VAR}}` reference is refused here, before a deployment is even queued.
    await this.deps.catalog.resolveVariables(serviceId);
    return requestDeployment(this.deps.db, this.queue, { serviceId, trigger, triggeredBy });
  }

  /** A deployment of one exact commit (git push, webhooks, deploy hooks). */
  deployCommit(
    serviceId: string,
    trigger: 'push' | 'webhook' | 'api',
    triggeredBy: string | null,
    commitSha: string | undefined,
  ): Promise<Deployment> {
    return requestDeployment(this.deps.db, this.queue, { serviceId, trigger, triggeredBy, commitSha });
  }

  async rollback(deploymentId: string, triggeredBy: string | null): Promise<Deployment> {
    const target = await this.get(deploymentId);
    const wentLive = target.status === 'active' || target.status === 'replaced';
    if (wentLive && target.image && !(await this.deps.runtime.hasImage(target.image))) {
      throw new AppError(
        'VALIDATION_FAILED',
        `The image of deployment ${deploymentId} is no longer on this server (Berth keeps the last ${DEFAULT_IMAGES_KEPT} per service).`,
      );
    }
    return requestRollback(this.deps.db, this.queue, deploymentId, triggeredBy);
  }

  cancel(deploymentId: string): Promise<Deployment> {
    return cancelDeployment(this.deps.db, this.queue, deploymentId);
  }

  async get(deploymentId: string): Promise<Deployment> {
    const deployment = await findDeployment(this.deps.db, deploymentId);
    if (!deployment) throw new AppError('NOT_FOUND', `No deployment ${deploymentId}.`);
    return deployment;
  }

  list(serviceId: string): Promise<Deployment[]> {
    return listDeploymentsOfService(this.deps.db, serviceId);
  }

  /** The service's public URL (its default hostname through the proxy). */
  async urlOf(serviceId: string): Promise<string | null> {
    const found = await this.deps.catalog.findService(serviceId);
    if (!found) return null;
    return serviceUrl(found.service.name, found.project.name, this.deps.config);
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }
}
