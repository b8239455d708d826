/**
 * The daemon's route table in process mode: the same RouteTable every feature already talks to (deploys,
 * domains, stacks, HTTPS), kept in the daemon as the source of the snapshot, with every change also sent
 * to the proxy process as a delta. While held (at daemon start, until the routes are restored) changes
 * stay local, so the proxy keeps serving its last routes. Drains ask the proxy, which sums the in-flight
 * counts of all its workers.
 */
import { RouteTable, type RouteDefinition, type Upstream } from '../route-table.js';
import type { DrainResult } from '../inflight-tracker.js';
import type { DrainAnswer, StateChange } from './control-protocol.js';

/** Where the changes go (the data plane's connection), and how a drain is asked. */
export interface ChangeSink {
  send(change: StateChange): void;
  /** Sends the whole state again (after replaceAll). */
  resync(): void;
  drained(upstreamIds: readonly string[]): Promise<DrainAnswer>;
}

const DRAIN_POLL_MS = 50;

export class RemoteRouteTable extends RouteTable {
  private sink: ChangeSink | undefined;
  private unavailable: string[] = [];

  /** Starts sending changes (after the caller sent a snapshot); undefined holds them again. */
  attach(sink: ChangeSink | undefined): void {
    this.sink = sink;
  }

  unavailableIds(): string[] {
    return [...this.unavailable];
  }

  override setRoute(
    hostnames: readonly string[],
    serviceId: string,
    upstreams: readonly Upstream[],
    fallback: readonly Upstream[] = [],
  ): void {
    super.setRoute(hostnames, serviceId, upstreams, fallback);
    const route = this.routeOf(serviceId)!;
    this.sink?.send({
      type: 'route.set',
      route: {
        serviceId,
        hostnames: [...route.hostnames],
        upstreams: route.upstreams.map((u) => ({ ...u })),
        fallback: route.fallback.map((u) => ({ ...u })),
      },
    });
  }

  override removeService(serviceId: string): void {
    super.removeService(serviceId);
    this.sink?.send({ type: 'route.remove', serviceId });
  }

  override replaceAll(routes: readonly RouteDefinition[]): void {
    super.replaceAll(routes);
    this.sink?.resync();
  }

  override setUnavailable(upstreamIds: Iterable<string>): void {
    this.unavailable = [...upstreamIds];
    super.setUnavailable(this.unavailable);
    this.sink?.send({ type: 'unavailable.set', upstreamIds: [...this.unavailable] });
  }

  /** Polls the proxy until the upstreams are out of every route and idle in every worker, or the timeout. */
  override async waitForDrain(upstreamIds: readonly string[], timeoutMs: number): Promise<DrainResult> {
    const deadline = Date.now() + timeoutMs;
    let remaining = 0;
    for (;;) {
      const sink = this.sink;
      if (sink !== undefined) {
        try {
          const answer = await sink.drained(upstreamIds);
          remaining = answer.inflight;
          if (answer.inflight === 0 && answer.routed === 0) return { drained: true, remaining: 0 };
        } catch {
          // The proxy is restarting or unreachable: ask again until the timeout.
        }
      } else if (!upstreamIds.some((id) => this.isRouted(id))) {
        // Held (daemon start): nothing was sent, so the proxy still has what it had; nothing to wait for here.
        return { drained: true, remaining: 0 };
      }
      if (Date.now() >= deadline) return { drained: false, remaining };
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  definitions(): RouteDefinition[] {
    return this.routes().map((route) => ({
      serviceId: route.serviceId,
      hostnames: [...route.hostnames],
      upstreams: route.upstreams.map((u) => ({ ...u })),
      fallback: route.fallback.map((u) => ({ ...u })),
    }));
  }
}
