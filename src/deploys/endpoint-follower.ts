/**
 * On Kubernetes, Berth's proxy routes a service's hostnames to the READY pod endpoints of its Service.
 * Pods come and go without Berth starting them (a rolling update, a restarted or rescheduled pod), so the
 * route follows the endpoints: read every `pollMs` while the service is followed, and the route replaced
 * whenever the set of ready addresses changes. A pod leaving the endpoints (it is terminating, or failed
 * its readiness probe) leaves the route within one poll, well inside its preStop pause
 * (PRE_STOP_SECONDS), so no request is sent to a pod that stopped listening.
 *
 * Keeps the last route when the API cannot be read or no pod is ready: nothing better is known, and a
 * route to pods that are still there beats none.
 */
import type { Logger } from '../logger.js';
import type { KubernetesScheduler } from '../runtime/kubernetes/scheduler.js';
import { APP_PORT_NAME } from '../workloads/kubernetes-names.js';
import type { Router, Upstream } from './ports.js';

export const ENDPOINT_POLL_MS = 500;

interface Followed {
  hostnames: string[];
  namespace: string;
  service: string;
  key: string;
  timer: NodeJS.Timeout | undefined;
  isReading: boolean;
}

export class EndpointFollower {
  private readonly followed = new Map<string, Followed>();

  constructor(
    private readonly scheduler: Pick<KubernetesScheduler, 'readyEndpoints'>,
    private readonly router: Pick<Router, 'setRoute'>,
    private readonly logger: Logger,
    private readonly pollMs = ENDPOINT_POLL_MS,
  ) {}

  /** Starts (or updates) following a service; the first read happens at once. */
  follow(serviceId: string, hostnames: string[], namespace: string, service: string): Promise<void> {
    const existing = this.followed.get(serviceId);
    if (existing) {
      existing.hostnames = hostnames;
      return this.refresh(serviceId);
    }
    this.followed.set(serviceId, { hostnames, namespace, service, key: '', timer: undefined, isReading: false });
    return this.refresh(serviceId);
  }

  isFollowing(serviceId: string): boolean {
    return this.followed.has(serviceId);
  }

  /** The services followed now, with their namespaces (the crash watch reads their pods). */
  followedServices(): { serviceId: string; namespace: string }[] {
    return [...this.followed].map(([serviceId, entry]) => ({ serviceId, namespace: entry.namespace }));
  }

  /** Stops following (the route itself is the caller's to remove). */
  unfollow(serviceId: string): void {
    const entry = this.followed.get(serviceId);
    if (entry?.timer) clearTimeout(entry.timer);
    this.followed.delete(serviceId);
  }

  stop(): void {
    for (const serviceId of [...this.followed.keys()]) this.unfollow(serviceId);
  }

  /** Reads the endpoints now and routes to them if they changed; then the next poll is scheduled. */
  async refresh(serviceId: string): Promise<void> {
    const entry = this.followed.get(serviceId);
    if (!entry || entry.isReading) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.isReading = true;
    try {
      const upstreams = await this.readyUpstreams(entry);
      const key = upstreams.map((u) => `${u.id}@${u.host}:${u.port}`).join(',');
      if (this.followed.get(serviceId) === entry && upstreams.length > 0 && key !== entry.key) {
        this.router.setRoute(entry.hostnames, serviceId, upstreams);
        entry.key = key;
      }
    } catch (error) {
      this.logger.warn({ err: error, serviceId }, 'could not read the ready endpoints; the route stays as it was');
    } finally {
      entry.isReading = false;
      if (this.followed.get(serviceId) === entry) {
        entry.timer = setTimeout(() => void this.refresh(serviceId), this.pollMs);
        entry.timer.unref();
      }
    }
  }

  /** The ready endpoints as upstreams, in a stable order (pod name, then address). */
  async readyUpstreams(entry: Pick<Followed, 'namespace' | 'service'>): Promise<Upstream[]> {
    const endpoints = await this.scheduler.readyEndpoints(entry.namespace, entry.service, APP_PORT_NAME);
    return endpoints
      .map((e) => ({ id: `k8s:${entry.namespace}/${e.podName ?? e.ip}`, host: e.ip, port: e.port }))
      .sort((a, b) => a.id.localeCompare(b.id) || a.host.localeCompare(b.host));
  }
}
