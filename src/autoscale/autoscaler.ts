/**
 * Autoscaling (issue 16): per app service an optional policy (min/max replicas, a signal and its target
 * per replica, a cool-down). Every interval the autoscaler reads each enabled policy's signal over the
 * window, decides (autoscale-decision.ts) and, when the count should change, has the actuator run the
 * active release with the new count — through the deploy pipeline, so the change is the usual health-gated,
 * zero-downtime switch. Works the same on either scheduler: the actuator is the seam. A policy that cannot
 * act (no active deployment, a deploy running, berth.json owning replicas) records why and waits.
 * Deleting the policy stops autoscaling; the replica count stays where it is.
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { nowIso } from '../lib/ids.js';
import type { Logger } from '../logger.js';
import { decideReplicas } from './autoscale-decision.js';
import { checkPolicyInput } from './autoscale-input.js';
import { deletePolicy, findPolicy, listEnabledPolicies, recordDecision, upsertPolicy } from './autoscale.repository.js';
import type { AutoscaleActuator, AutoscalePolicy, AutoscaleSignals } from './autoscale.types.js';

export interface AutoscalerDeps {
  db: Db;
  logger: Logger;
  signals: AutoscaleSignals;
  actuator: AutoscaleActuator;
  intervalMs: number;
  windowMs: number;
  now?: () => number;
}

export class Autoscaler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: AutoscalerDeps) {
    this.now = deps.now ?? Date.now;
  }

  get(serviceId: string): Promise<AutoscalePolicy | undefined> {
    return findPolicy(this.deps.db, serviceId);
  }

  /** Creates or replaces the service's policy; CONFLICT when it could never act (berth.json owns replicas…). */
  async put(serviceId: string, raw: unknown): Promise<AutoscalePolicy> {
    const input = checkPolicyInput(raw);
    if (input.enabled) {
      const blocker = await this.deps.actuator.blocker(serviceId);
      if (blocker && !blocker.startsWith('busy:'))
        throw new AppError('CONFLICT', `Autoscaling cannot work here: ${blocker}`);
    }
    await upsertPolicy(this.deps.db, serviceId, input, nowIso());
    return (await findPolicy(this.deps.db, serviceId))!;
  }

  /** Stops autoscaling the service (the undo of put); NOT_FOUND when it had no policy. */
  async remove(serviceId: string): Promise<void> {
    if (!(await deletePolicy(this.deps.db, serviceId)))
      throw new AppError('NOT_FOUND', 'This service has no autoscaling policy.');
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** One look at every enabled policy (the timer calls it; tests may too). Never overlaps itself. */
  tick(): Promise<void> {
    this.ticking ??= this.evaluateAll().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async evaluateAll(): Promise<void> {
    for (const policy of await listEnabledPolicies(this.deps.db)) {
      try {
        await this.evaluate(policy);
      } catch (error) {
        this.deps.logger.warn({ err: error, serviceId: policy.serviceId }, 'autoscaling could not evaluate a policy');
      }
    }
  }

  private async evaluate(policy: AutoscalePolicy): Promise<void> {
    const { actuator, signals, windowMs, db } = this.deps;
    const current = await actuator.currentReplicas(policy.serviceId);
    if (current === undefined)
      return void (await recordDecision(db, policy.serviceId, 'waiting for a first deploy', undefined));
    const signal =
      policy.metric === 'requests'
        ? await signals.requestsPerSecond(policy.serviceId, windowMs)
        : await signals.cpuPercent(policy.serviceId, windowMs);
    const decision = decideReplicas({
      policy,
      current,
      signal,
      lastScaledAt: policy.lastScaledAt ? Date.parse(policy.lastScaledAt) : null,
      now: this.now(),
    });
    if (decision.kind === 'hold') return void (await recordDecision(db, policy.serviceId, decision.reason, undefined));
    const blocker = await actuator.blocker(policy.serviceId);
    if (blocker)
      return void (await recordDecision(
        db,
        policy.serviceId,
        `not scaling now: ${blocker.replace(/^busy: /, '')}`,
        undefined,
      ));
    const words = `scaling ${current} → ${decision.replicas}: ${decision.reason}`;
    this.deps.logger.info({ serviceId: policy.serviceId, from: current, to: decision.replicas }, words);
    await actuator.scaleTo(policy.serviceId, decision.replicas, words);
    await recordDecision(db, policy.serviceId, words, new Date(this.now()).toISOString());
  }
}
