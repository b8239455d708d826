/**
 * The proxy's state in one place, changed only by validated control messages (control-protocol.ts): the
 * route table (the same RouteTable the in-process proxy uses), unavailable upstreams, certificates, ACME
 * challenge answers, host rules and run-time settings. The supervisor keeps one to answer drain queries
 * and persist; every worker keeps one to serve from. A change that fails validation changes nothing.
 */
import { RouteTable } from '../route-table.js';
import type {
  CertificateEntry,
  ChallengeEntry,
  HostEntry,
  ProxyState,
  RuntimeSettings,
  StateChange,
} from './control-protocol.js';

export interface StateHooks {
  /** A certificate was installed (entry) or removed (undefined): the worker updates its SNI map. */
  certificate?(hostname: string, entry: CertificateEntry | undefined): void;
  /** Every certificate was replaced (a snapshot). */
  certificatesReplaced?(entries: readonly CertificateEntry[]): void;
}

export class ProxyStateStore {
  readonly routes: RouteTable;
  private unavailable: string[] = [];
  private readonly certificates = new Map<string, CertificateEntry>();
  private readonly challenges = new Map<string, ChallengeEntry>();
  private hosts = new Map<string, HostEntry>();
  private settings: RuntimeSettings = {};

  constructor(
    routes: RouteTable = new RouteTable(),
    private readonly hooks: StateHooks = {},
  ) {
    this.routes = routes;
  }

  /** Applies one change; throws (AppError) without changing anything when the change is not valid. */
  apply(change: StateChange): void {
    switch (change.type) {
      case 'snapshot':
        return this.replace(change.state);
      case 'route.set': {
        const { hostnames, serviceId, upstreams, fallback } = change.route;
        return this.routes.setRoute(hostnames, serviceId, upstreams, fallback ?? []);
      }
      case 'route.remove':
        return this.routes.removeService(change.serviceId);
      case 'unavailable.set':
        this.unavailable = [...change.upstreamIds];
        return this.routes.setUnavailable(this.unavailable);
      case 'certificate.set':
        this.certificates.set(change.certificate.hostname, change.certificate);
        return this.hooks.certificate?.(change.certificate.hostname, change.certificate);
      case 'certificate.remove':
        this.certificates.delete(change.hostname);
        return this.hooks.certificate?.(change.hostname, undefined);
      case 'challenge.set':
        this.challenges.set(change.challenge.token, change.challenge);
        return;
      case 'challenge.remove':
        this.challenges.delete(change.token);
        return;
      case 'hosts.set':
        this.hosts = new Map(change.hosts.map((entry) => [entry.hostname, entry]));
        return;
      case 'settings.set':
        this.settings = { ...this.settings, ...change.settings };
        return;
    }
  }

  /** Answers HTTP-01 for the tokens the daemon pushed, only for the name each was issued for. */
  readonly challengeResponder = (token: string, hostname: string | undefined): string | undefined => {
    const entry = this.challenges.get(token);
    if (!entry || (hostname !== undefined && hostname !== entry.hostname)) return undefined;
    return entry.answer;
  };

  host(hostname: string): HostEntry | undefined {
    return this.hosts.get(hostname);
  }

  runtimeSettings(): RuntimeSettings {
    return this.settings;
  }

  snapshot(): ProxyState {
    return {
      routes: this.routes.routes().map((route) => ({
        serviceId: route.serviceId,
        hostnames: [...route.hostnames],
        upstreams: route.upstreams.map((u) => ({ ...u })),
        fallback: route.fallback.map((u) => ({ ...u })),
      })),
      unavailable: [...this.unavailable],
      certificates: [...this.certificates.values()],
      challenges: [...this.challenges.values()],
      hosts: [...this.hosts.values()],
      settings: { ...this.settings },
    };
  }

  private replace(state: ProxyState): void {
    // replaceAll validates every route before it swaps; the rest cannot fail once parsed.
    this.routes.replaceAll(state.routes);
    this.unavailable = [...state.unavailable];
    this.routes.setUnavailable(this.unavailable);
    const kept = new Set(state.certificates.map((entry) => entry.hostname));
    for (const hostname of this.certificates.keys())
      if (!kept.has(hostname)) this.hooks.certificate?.(hostname, undefined);
    this.certificates.clear();
    for (const entry of state.certificates) this.certificates.set(entry.hostname, entry);
    this.hooks.certificatesReplaced?.(state.certificates);
    this.challenges.clear();
    for (const entry of state.challenges) this.challenges.set(entry.token, entry);
    this.hosts = new Map(state.hosts.map((entry) => [entry.hostname, entry]));
    this.settings = { ...state.settings };
  }
}
