/**
 * Which containers answer for which hostname. The proxy reads it on every request; deploys swap a
 * service's whole route in one synchronous step, so a request sees the old set or the new set, never a
 * mix and never nothing. Loading routes from the database at start is the caller's job (replaceAll).
 */
import { AppError } from '../errors.js';
import { normalizeHostname } from './hostname.js';
import { InflightTracker, type DrainResult } from './inflight-tracker.js';

export interface Upstream {
  /** Container id: the key for in-flight accounting and draining. */
  readonly id: string;
  /** IP address the proxy connects to (on the service's Docker network, or loopback). */
  readonly host: string;
  readonly port: number;
}

export interface Route {
  readonly serviceId: string;
  readonly hostnames: readonly string[];
  readonly upstreams: readonly Upstream[];
  /**
   * The previous release's containers while a deploy watches its new ones (the stabilisation window):
   * they get no new work while a new container is up, but a request whose new container vanished
   * under it is retried there, and they answer when every new one is down.
   */
  readonly fallback: readonly Upstream[];
}

export interface RouteDefinition {
  serviceId: string;
  hostnames: readonly string[];
  upstreams: readonly Upstream[];
  fallback?: readonly Upstream[];
}

/** The live entry: immutable except for its round-robin cursor, replaced as a whole on every change. */
class LiveRoute implements Route {
  private cursor = 0;
  private fallbackCursor = 0;
  constructor(
    readonly serviceId: string,
    readonly hostnames: readonly string[],
    readonly upstreams: readonly Upstream[],
    readonly fallback: readonly Upstream[] = [],
  ) {}

  next(down: ReadonlySet<string>): Upstream | undefined {
    const count = this.upstreams.length;
    if (count === 0) return this.nextFallback(down);
    if (down.size === 0) {
      if (count === 1) return this.upstreams[0];
      this.cursor = (this.cursor + 1) % count;
      return this.upstreams[this.cursor];
    }
    for (let tried = 0; tried < count; tried++) {
      this.cursor = (this.cursor + 1) % count;
      const upstream = this.upstreams[this.cursor]!;
      if (!down.has(upstream.id)) return upstream;
    }
    return this.nextFallback(down);
  }

  /** A fallback upstream that is not down (round robin), if the route has one. */
  nextFallback(down: ReadonlySet<string>): Upstream | undefined {
    const count = this.fallback.length;
    for (let tried = 0; tried < count; tried++) {
      this.fallbackCursor = (this.fallbackCursor + 1) % count;
      const upstream = this.fallback[this.fallbackCursor]!;
      if (!down.has(upstream.id)) return upstream;
    }
    return undefined;
  }
}

export class RouteTable {
  readonly inflight: InflightTracker;
  private byHostname = new Map<string, LiveRoute>();
  private byService = new Map<string, LiveRoute>();
  /** Every upstream id some route points at, kept so drain checks need no scan. */
  private routedIds = new Set<string>();
  /** Upstreams whose container is not running (crashed, restarting): skipped, so a request never waits on them. */
  private down: ReadonlySet<string> = new Set<string>();

  constructor(inflight: InflightTracker = new InflightTracker()) {
    this.inflight = inflight;
  }

  /**
   * Replaces the service's route for all its hostnames at once. Hostnames the service had before and no
   * longer lists stop routing; a hostname another service held moves to this one (the database keeps
   * names unique; the table follows the latest writer). An empty upstream list keeps the hostnames
   * known, so they answer 503 rather than 404.
   */
  setRoute(
    hostnames: readonly string[],
    serviceId: string,
    upstreams: readonly Upstream[],
    fallback: readonly Upstream[] = [],
  ): void {
    const names = normalizeAll(hostnames);
    const route = new LiveRoute(serviceId, names, validateUpstreams(upstreams), validateUpstreams(fallback));
    const previous = this.byService.get(serviceId);
    if (previous) for (const name of previous.hostnames) this.byHostname.delete(name);
    for (const name of names) {
      const owner = this.byHostname.get(name);
      if (owner && owner.serviceId !== serviceId) this.dropHostname(owner, name);
      this.byHostname.set(name, route);
    }
    this.byService.set(serviceId, route);
    this.afterChange();
  }

  removeService(serviceId: string): void {
    const route = this.byService.get(serviceId);
    if (!route) return;
    for (const name of route.hostnames) {
      if (this.byHostname.get(name) === route) this.byHostname.delete(name);
    }
    this.byService.delete(serviceId);
    this.afterChange();
  }

  /** Swaps the whole table in one step (at start, from the database). */
  replaceAll(routes: readonly RouteDefinition[]): void {
    const byHostname = new Map<string, LiveRoute>();
    const byService = new Map<string, LiveRoute>();
    for (const definition of routes) {
      const route = new LiveRoute(
        definition.serviceId,
        normalizeAll(definition.hostnames),
        validateUpstreams(definition.upstreams),
        validateUpstreams(definition.fallback ?? []),
      );
      byService.set(route.serviceId, route);
      for (const name of route.hostnames) byHostname.set(name, route);
    }
    this.byHostname = byHostname;
    this.byService = byService;
    this.afterChange();
  }

  /** The route for a Host header as the client sent it (any case, with or without port). */
  resolve(hostHeader: string | undefined): Route | undefined {
    if (hostHeader === undefined) return undefined;
    // Fast path: most clients send the name exactly as stored; only the rest pay for normalising.
    return this.byHostname.get(hostHeader) ?? this.lookupNormalized(hostHeader);
  }

  /** Round robin over the route's upstreams that are not down; undefined when none is left (503 at once). */
  pickFrom(route: Route): Upstream | undefined {
    return (route as LiveRoute).next(this.down);
  }

  /**
   * Where a request goes again after its upstream could not have seen it (refused, stale connection):
   * the route's fallback first when it has one (the new container just vanished while the previous
   * release stands by), else the next upstream of the route.
   */
  pickForRetry(route: Route): Upstream | undefined {
    return (route as LiveRoute).nextFallback(this.down) ?? this.pickFrom(route);
  }

  /**
   * Replaces the set of upstreams known not to run (the container watcher's view of the engine). They stay
   * in their routes, so a container the engine restarts is served again as soon as it runs.
   */
  setUnavailable(upstreamIds: Iterable<string>): void {
    this.down = new Set(upstreamIds);
  }

  /** Round robin for a hostname; undefined for unknown hostnames and for routes without upstreams. */
  pick(hostHeader: string | undefined): Upstream | undefined {
    const route = this.resolve(hostHeader);
    return route ? this.pickFrom(route) : undefined;
  }

  routeOf(serviceId: string): Route | undefined {
    return this.byService.get(serviceId);
  }

  routes(): Route[] {
    return [...this.byService.values()];
  }

  /** True while any route still sends new work to this upstream. */
  isRouted(upstreamId: string): boolean {
    return this.routedIds.has(upstreamId);
  }

  /**
   * Waits until the upstreams are out of every route and have no in-flight requests or WebSockets left,
   * or until the timeout. The deploy switch calls it after setRoute(new) and before stopping the old
   * containers.
   */
  waitForDrain(upstreamIds: readonly string[], timeoutMs: number): Promise<DrainResult> {
    return this.inflight.waitForDrain(upstreamIds, timeoutMs, (id) => this.isRouted(id));
  }

  private afterChange(): void {
    const ids = new Set<string>();
    for (const route of this.byService.values())
      for (const upstream of [...route.upstreams, ...route.fallback]) ids.add(upstream.id);
    this.routedIds = ids;
    // A drain may have been waiting only for its upstreams to leave the table.
    this.inflight.notify();
  }

  private lookupNormalized(hostHeader: string): LiveRoute | undefined {
    const name = normalizeHostname(hostHeader);
    return name === undefined ? undefined : this.byHostname.get(name);
  }

  private dropHostname(owner: LiveRoute, name: string): void {
    const remaining = owner.hostnames.filter((other) => other !== name);
    const replacement = new LiveRoute(owner.serviceId, remaining, owner.upstreams, owner.fallback);
    this.byService.set(owner.serviceId, replacement);
    for (const other of remaining) this.byHostname.set(other, replacement);
  }
}

function normalizeAll(hostnames: readonly string[]): string[] {
  const names = new Set<string>();
  for (const raw of hostnames) {
    const name = normalizeHostname(raw);
    if (name === undefined) {
      throw new AppError('VALIDATION_FAILED', `not a routable hostname: ${JSON.stringify(raw)}`);
    }
    names.add(name);
  }
  return [...names];
}

function validateUpstreams(upstreams: readonly Upstream[]): readonly Upstream[] {
  for (const upstream of upstreams) {
    if (
      !upstream.id ||
      !upstream.host ||
      !Number.isInteger(upstream.port) ||
      upstream.port < 1 ||
      upstream.port > 65535
    ) {
      throw new AppError('VALIDATION_FAILED', `not a valid upstream: ${JSON.stringify(upstream)}`);
    }
  }
  // A frozen copy: the caller may reuse its array, the table's view must not change under a request.
  return Object.freeze(upstreams.map((upstream) => Object.freeze({ ...upstream })));
}
