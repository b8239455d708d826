/**
 * One deployment runs per service at a time. A newer queued deployment supersedes older queued ones;
 * when a run ends, the newest queued deployment of that service starts.
 *
 * Every decision about a service (supersede, start the next, cancel) runs one at a time for that service:
 * each one is several database round trips, and requests arriving together must not interleave them.
 * Interleaved, they could supersede the deployment just picked to run (concurrent requests could end with
 * nothing deployed at all), or answer a cancel with `cancelled` while the runner went on to make the
 * deployment live (test/integration/deploy-queue.test.ts, "under racing requests").
 */
import type { Db } from '../db/connection.js';
import { nowIso } from '../lib/ids.js';
import type { Logger } from '../logger.js';
import { SHUTDOWN, type DeployRunner } from './deploy-runner.js';
import { ACTIVE_PHASES } from './deployment.types.js';
import { findDeployment, listDeploymentsByStatus, updateDeployment } from './deployments.repository.js';

interface Running {
  deploymentId: string;
  controller: AbortController;
  done: Promise<void>;
}

export class DeployQueue {
  private readonly running = new Map<string, Running>();
  /** Per service, the tail of its chain of decisions (see the file comment). */
  private readonly decisions = new Map<string, Promise<void>>();
  private isStopping = false;

  constructor(
    private readonly db: Db,
    private readonly runner: DeployRunner,
    private readonly logger: Logger,
    /** Told each time a deployment's status changed here (queued, superseded, cancelled, ended). */
    private readonly onChange: (deploymentId: string) => void = () => {},
  ) {}

  /** Called after a deployment row was inserted as queued (the newest queued row of a service wins). */
  async enqueue(serviceId: string, deploymentId?: string): Promise<void> {
    await this.oneAtATime(serviceId, async () => {
      await this.supersedeWaiting(serviceId);
      await this.startNext(serviceId);
    });
    if (deploymentId) this.onChange(deploymentId);
  }

  /** Cancels a queued or running deployment. Returns false when it had already ended. */
  async cancel(deploymentId: string): Promise<boolean> {
    const deployment = await findDeployment(this.db, deploymentId);
    if (!deployment) return false;
    const run = await this.oneAtATime(deployment.serviceId, async () => {
      const current = this.running.get(deployment.serviceId);
      if (current?.deploymentId === deploymentId) {
        current.controller.abort('cancelled');
        return current;
      }
      // Read again inside the decision: it may have started or ended since.
      if ((await findDeployment(this.db, deploymentId))?.status !== 'queued') return false;
      await updateDeployment(this.db, deploymentId, { status: 'cancelled', finishedAt: nowIso() });
      this.onChange(deploymentId);
      return true;
    });
    if (typeof run === 'boolean') return run;
    // Outside the decision chain: the run's own end starts the next deployment through that chain.
    await run.done;
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

  private oneAtATime<T>(serviceId: string, decide: () => Promise<T>): Promise<T> {
    const result = (this.decisions.get(serviceId) ?? Promise.resolve()).then(decide);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.decisions.set(serviceId, tail);
    void tail.then(() => {
      if (this.decisions.get(serviceId) === tail) this.decisions.delete(serviceId);
    });
    return result;
  }

  /**
   * Of the service's queued deployments that are not already picked to run, only the newest waits; the
   * older ones become superseded. Decided on the rows, not on which request called: concurrent requests
   * insert their rows before any of them gets here, so the first to arrive must not supersede later ones.
   */
  private async supersedeWaiting(serviceId: string): Promise<void> {
    const runningId = this.running.get(serviceId)?.deploymentId;
    const waiting = (await listDeploymentsByStatus(this.db, ['queued'])).filter(
      (d) => d.serviceId === serviceId && d.id !== runningId,
    );
    for (const older of waiting.slice(0, -1)) {
      await updateDeployment(this.db, older.id, { status: 'superseded', finishedAt: nowIso() });
      this.onChange(older.id);
    }
  }

  /** Starts the newest queued deployment of the service unless one is running. Only inside oneAtATime. */
  private async startNext(serviceId: string): Promise<void> {
    if (this.isStopping || this.running.has(serviceId)) return;
    const queued = (await listDeploymentsByStatus(this.db, ['queued'])).filter((d) => d.serviceId === serviceId);
    const next = queued.at(-1);
    if (!next) return;
    const controller = new AbortController();
    const done = this.runner
      .run(next.id, controller.signal)
      .catch(async (error: unknown) => {
        this.logger.error({ err: error, deploymentId: next.id }, 'deployment crashed');
        await this.recordCrash(next.id, error).catch(() => {});
      })
      .finally(() => {
        this.running.delete(serviceId);
        this.onChange(next.id);
        this.oneAtATime(serviceId, () => this.startNext(serviceId)).catch((error: unknown) =>
          this.logger.error({ err: error }, 'deploy queue failed'),
        );
      });
    this.running.set(serviceId, { deploymentId: next.id, controller, done });
  }

  /**
   * The runner records every failure itself; this is the net under it (e.g. the database failed while it
   * recorded one). A row left `queued` would be picked again at once, forever; one left in a phase would
   * look like it still runs until the next restart.
   */
  private async recordCrash(deploymentId: string, error: unknown): Promise<void> {
    const status = (await findDeployment(this.db, deploymentId))?.status;
    if (status !== 'queued' && !(ACTIVE_PHASES as readonly string[]).includes(status ?? '')) return;
    const message = error instanceof Error ? error.message : String(error);
    await updateDeployment(this.db, deploymentId, {
      status: 'failed',
      error: `Unexpected error: ${message}`,
      finishedAt: nowIso(),
    });
  }
}
