/**
 * One deployment runs per service at a time. A newer queued deployment supersedes older queued ones;
 * when a run ends, the newest queued deployment of that service starts.
 */
import type { Db } from '../db/connection.js';
import type { Logger } from '../logger.js';
import { SHUTDOWN, type DeployRunner } from './deploy-runner.js';
import {
  findDeployment,
  listDeploymentsOfService,
  supersedeQueued,
  updateDeployment,
} from './deployments.repository.js';

interface Running {
  deploymentId: string;
  controller: AbortController;
  done: Promise<void>;
}

export class DeployQueue {
  private readonly running = new Map<string, Running>();
  private isStopping = false;

  constructor(
    private readonly db: Db,
    private readonly runner: DeployRunner,
    private readonly logger: Logger,
  ) {}

  /** Called after a deployment row was inserted as queued. */
  async enqueue(serviceId: string, deploymentId: string): Promise<void> {
    await supersedeQueued(this.db, serviceId, deploymentId);
    await this.kick(serviceId);
  }

  /** Cancels a queued or running deployment. Returns false when it had already ended. */
  async cancel(deploymentId: string): Promise<boolean> {
    for (const run of this.running.values()) {
      if (run.deploymentId === deploymentId) {
        run.controller.abort('cancelled');
        await run.done;
        return true;
      }
    }
    const deployment = await findDeployment(this.db, deploymentId);
    if (deployment?.status !== 'queued') return false;
    await updateDeployment(this.db, deploymentId, { status: 'cancelled', finishedAt: new Date().toISOString() });
    return true;
  }

  runningDeploymentOf(serviceId: string): string | undefined {
    return this.running.get(serviceId)?.deploymentId;
  }

  /** Resolves when nothing is running (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Interrupts running deployments (they are recorded as interrupted) and waits for their cleanup. */
  async stop(): Promise<void> {
    this.isStopping = true;
    for (const run of this.running.values()) run.controller.abort(SHUTDOWN);
    await this.idle();
  }

  private async kick(serviceId: string): Promise<void> {
    if (this.isStopping || this.running.has(serviceId)) return;
    const next = (await listDeploymentsOfService(this.db, serviceId, 20)).find((d) => d.status === 'queued');
    if (!next || this.running.has(serviceId)) return;
    const controller = new AbortController();
    const done = this.runner
      .run(next.id, controller.signal)
      .catch((error: unknown) => this.logger.error({ err: error, deploymentId: next.id }, 'deployment crashed'))
      .finally(() => {
        this.running.delete(serviceId);
        void this.kick(serviceId).catch((error: unknown) => this.logger.error({ err: error }, 'deploy queue failed'));
      });
    this.running.set(serviceId, { deploymentId: next.id, controller, done });
  }
}
