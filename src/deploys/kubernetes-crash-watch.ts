/**
 * The live pages' service events on the kubernetes scheduler, as the Docker container watcher sends them
 * (container-watch.ts → `{ type: 'service', state: 'crashed' | 'running' }`): every WATCH_MS the pods of
 * each followed service are listed once, and a change between "a pod is crash-looping" (kubernetes-state.ts:
 * CrashLoopBackOff, or restarted within the crash window) and "none is" is published. Terminating pods of a
 * previous deployment do not count; a list that fails is skipped (the next one tells).
 */
import type { EventPublisher } from '../events/event-bus.js';
import type { Logger } from '../logger.js';
import type { KubernetesScheduler } from '../runtime/kubernetes/scheduler.js';
import { serviceSelector } from '../workloads/labels.js';
import type { EndpointFollower } from './endpoint-follower.js';
import { isCrashLooping } from './kubernetes-state.js';

export const WATCH_MS = 2000;

export class KubernetesCrashWatch {
  private timer: NodeJS.Timeout | undefined;
  private readonly crashed = new Set<string>();

  constructor(
    private readonly k8s: Pick<KubernetesScheduler, 'listPods'>,
    private readonly follower: Pick<EndpointFollower, 'followedServices'>,
    private readonly events: Pick<EventPublisher, 'publish'>,
    private readonly logger: Logger,
    private readonly intervalMs = WATCH_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    const tick = () => {
      void this.check().finally(() => {
        if (!this.timer) return;
        this.timer = setTimeout(tick, this.intervalMs);
        this.timer.unref();
      });
    };
    this.timer = setTimeout(tick, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One round: publishes each service whose crash state changed since the last round. */
  async check(): Promise<void> {
    const followed = this.follower.followedServices();
    for (const serviceId of this.crashed)
      if (!followed.some((f) => f.serviceId === serviceId)) this.crashed.delete(serviceId);
    for (const { serviceId, namespace } of followed) {
      try {
        const pods = (await this.k8s.listPods(namespace, serviceSelector(serviceId))).filter((p) => !p.isTerminating);
        const isCrashed = pods.some((pod) => isCrashLooping(pod));
        if (isCrashed === this.crashed.has(serviceId)) continue;
        if (isCrashed) this.crashed.add(serviceId);
        else this.crashed.delete(serviceId);
        this.events.publish({ type: 'service', serviceId, state: isCrashed ? 'crashed' : 'running' });
      } catch (error) {
        this.logger.debug({ err: error, serviceId }, 'could not read the pods for the crash watch');
      }
    }
  }
}
