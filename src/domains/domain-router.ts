/**
 * The deploy feature's Router, with custom domains added: a deploy (or recovery) still calls
 * setRoute(defaultHostnames, serviceId, upstreams) once, and this adds the service's domains from an
 * in-memory copy of the domains table, so the switch stays one synchronous step. Domains bound to another
 * container port than the service's get their own route entry (key `<serviceId>:<port>`) with the same
 * containers on that port; every entry of a service changes in the same tick, so no request sees a mix.
 * Adding or removing a domain republishes the service's routes at once, without a deploy.
 */
import type { Router, Upstream } from '../deploys/ports.js';
import type { RouteTable } from '../proxy/route-table.js';
import type { Domain } from './domains.repository.js';

type DomainBinding = Pick<Domain, 'hostname' | 'port' | 'redirectTo' | 'hsts'>;

interface Published {
  defaultHostnames: string[];
  upstreams: Upstream[];
  /** The previous release's containers during a deploy's watch window (see Router.setRoute). */
  fallback: Upstream[];
  /** Route keys currently in the table for this service. */
  keys: Set<string>;
}

export class DomainRouter implements Router {
  private readonly domains = new Map<string, DomainBinding[]>();
  private readonly published = new Map<string, Published>();
  private byHostname = new Map<string, DomainBinding>();

  constructor(private readonly table: RouteTable) {}

  /** Replaces the whole domain cache (at start, and after changes made outside this process's services). */
  loadDomains(all: readonly Domain[]): void {
    const byService = new Map<string, DomainBinding[]>();
    for (const d of all) byService.set(d.serviceId, [...(byService.get(d.serviceId) ?? []), d]);
    const touched = new Set([...this.domains.keys(), ...byService.keys()]);
    this.domains.clear();
    for (const [serviceId, list] of byService) this.domains.set(serviceId, list);
    for (const serviceId of touched) this.publish(serviceId);
    this.indexHostnames();
  }

  /** The redirect and HSTS settings of a custom domain (the proxy's host policy asks on every request). */
  ruleOf(hostname: string): Pick<Domain, 'redirectTo' | 'hsts'> | undefined {
    return this.byHostname.get(hostname);
  }

  /** The service's domains changed: route them now if the service is deployed. */
  setDomains(serviceId: string, domains: readonly DomainBinding[]): void {
    if (domains.length === 0) this.domains.delete(serviceId);
    else this.domains.set(serviceId, [...domains]);
    this.publish(serviceId);
    this.indexHostnames();
  }

  setRoute(hostnames: string[], serviceId: string, upstreams: Upstream[], fallback: Upstream[] = []): void {
    const keys = this.published.get(serviceId)?.keys ?? new Set<string>();
    this.published.set(serviceId, {
      defaultHostnames: [...hostnames],
      upstreams: [...upstreams],
      fallback: [...fallback],
      keys,
    });
    this.publish(serviceId);
  }

  removeService(serviceId: string): void {
    const entry = this.published.get(serviceId);
    if (entry) for (const key of entry.keys) this.table.removeService(key);
    this.published.delete(serviceId);
  }

  waitForDrain(upstreamIds: string[], timeoutMs: number): Promise<{ drained: boolean; remaining: number }> {
    return this.table.waitForDrain(upstreamIds, timeoutMs);
  }

  private indexHostnames(): void {
    const index = new Map<string, DomainBinding>();
    for (const list of this.domains.values()) for (const d of list) index.set(d.hostname, d);
    this.byHostname = index;
  }

  private publish(serviceId: string): void {
    const entry = this.published.get(serviceId);
    // Not deployed yet: nothing to route; the next setRoute picks the domains up.
    if (!entry) return;
    const servicePort = entry.upstreams[0]?.port;
    const groups = new Map<string, { port: number | undefined; hostnames: string[] }>();
    groups.set(serviceId, { port: servicePort, hostnames: [...entry.defaultHostnames] });
    for (const domain of this.domains.get(serviceId) ?? []) {
      const isOwnPort = domain.port === null || domain.port === servicePort;
      const key = isOwnPort ? serviceId : `${serviceId}:${domain.port}`;
      const group = groups.get(key) ?? { port: domain.port ?? servicePort, hostnames: [] };
      group.hostnames.push(domain.hostname);
      groups.set(key, group);
    }
    for (const key of entry.keys) if (!groups.has(key)) this.table.removeService(key);
    for (const [key, group] of groups) {
      const onPort = (list: Upstream[]) =>
        group.port === undefined ? [] : list.map((u) => ({ ...u, port: group.port! }));
      // The previous release keeps its own port on the service's route (the new one may listen elsewhere).
      const fallback = key === serviceId ? entry.fallback : onPort(entry.fallback);
      this.table.setRoute(group.hostnames, key, onPort(entry.upstreams), fallback);
    }
    entry.keys = new Set(groups.keys());
  }
}
