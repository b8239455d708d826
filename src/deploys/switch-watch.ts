/**
 * The switch and the watch window (DESIGN.md "How a deploy flows"). Traffic moves to the new containers
 * as soon as they pass their health check; the previous release's containers keep running and stay in
 * the route as its fallback (no new work, but a retried request goes there) through the stabilisation
 * window. If a new container dies (the engine's event, acted on at once) or fails its health check twice
 * in a row in the window, the route goes back to the previous release in the same tick and the deploy
 * fails with the reason. Only after a quiet window does the runner record the deployment active and let
 * the old release drain (switch-traffic.ts, old-release-drain.ts).
 *
 * The database still names the previous deployment active during the window, so a daemon that dies in
 * it restores the previous route at its next start (route-restore.ts) and removes the new containers.
 */
import type { ContainerDetails } from '../runtime/runtime.js';
import { portOfContainer } from './app-port.js';
import type { RunContext } from './deploy-context.js';
import { DeployFailure, hostnamesOf, upstreamOf } from './deploy-steps.js';
import type { Deployment } from './deployment.types.js';
import { checkOnce } from './health-check.js';
import type { Upstream } from './ports.js';

/** How often the new containers are inspected and health-checked during the window. */
export const WATCH_POLL_MS = 250;
/** Failed health checks in a row that switch the traffic back (one may be a blip under load). */
const FAILED_CHECKS_TO_SWITCH_BACK = 2;

export interface Watched {
  /** The previous release's containers that stood by (they drain once the deployment is active). */
  fallback: Upstream[];
}

/**
 * Switches to `upstreams`, calls `onSwitched` (status, events), then watches `newIds` for the
 * stabilisation window. Throws a DeployFailure after switching back when the new version fails in it.
 */
export async function switchAndWatch(
  ctx: RunContext,
  upstreams: Upstream[],
  newIds: string[],
  previous: Deployment | undefined,
  onSwitched: () => Promise<void>,
): Promise<Watched> {
  const { router, runtime, timing } = ctx.deps;
  const hostnames = hostnamesOf(ctx);
  const fallback = previous ? await upstreamsOf(ctx, previous.id) : [];
  const before = new Map((await inspectAll(ctx, newIds)).map((d, i) => [newIds[i]!, d?.restartCount ?? 0]));
  const seconds = timing.stabilisationMs / 1000;
  const windowWords = `during the ${seconds} s stabilisation window after the switch.`;

  let failure: string | undefined;
  const stop = new AbortController();
  const switchBack = (reason: string) => {
    if (failure !== undefined) return;
    failure = reason;
    // The same synchronous step as the switch: no request sees neither version.
    if (previous) router.setRoute(hostnames, ctx.service.id, fallback);
    else router.removeService(ctx.service.id);
    stop.abort();
  };

  // Deaths come as engine events the moment they happen; the poll below also covers a missed stream.
  const events = runtime
    .containerEvents(
      { 'berth.deployment': ctx.deployment.id },
      (event) => {
        if (event.action !== 'die' || !newIds.includes(event.id)) return;
        const code = event.exitCode === undefined ? '' : ` with exit code ${event.exitCode}`;
        switchBack(`A new container exited${code} ${windowWords}`);
      },
      stop.signal,
    )
    .catch((error: unknown) => {
      if (!stop.signal.aborted) ctx.deps.logger.warn({ err: error }, 'no container events during the watch window');
    });

  router.setRoute(hostnames, ctx.service.id, upstreams, fallback);
  const switchedAt = Date.now();
  try {
    ctx.log.line(
      `Switched: ${upstreams.length} new container(s) serve the traffic; watching them for ${seconds} s` +
        (previous ? ` while the previous version (${fallback.length} container(s)) stays ready` : ''),
    );
    await onSwitched();
    const failedChecks = new Map<string, number>();
    while (failure === undefined && Date.now() - switchedAt < timing.stabilisationMs) {
      const wait = Math.min(WATCH_POLL_MS, timing.stabilisationMs - (Date.now() - switchedAt));
      await sleep(wait, AbortSignal.any([stop.signal, ctx.signal]));
      if (failure !== undefined) break;
      if (ctx.signal.aborted) switchBack('Cancelled.');
      else {
        const reason = await lookOnce(ctx, newIds, upstreams, before, failedChecks);
        if (reason) switchBack(`${reason} ${windowWords}`);
      }
    }
  } catch (error) {
    switchBack(error instanceof Error ? error.message : String(error));
  } finally {
    stop.abort();
    await events;
  }
  if (failure !== undefined) {
    ctx.log.line(
      `Switched back to ${previous ? 'the previous version' : 'nothing (no version served before)'} ` +
        `${Date.now() - switchedAt} ms after the switch`,
    );
    // Requests already on the new containers finish before the runner removes them (not at shutdown:
    // the proxy stops with the daemon, and recovery removes the containers at the next start).
    if (!ctx.signal.aborted) await router.waitForDrain(newIds, Math.min(timing.drainTimeoutMs, 10_000));
    throw new DeployFailure(failure);
  }
  return { fallback };
}

/** One look at the new containers: the reason to switch back, if any. */
async function lookOnce(
  ctx: RunContext,
  ids: string[],
  upstreams: Upstream[],
  before: Map<string, number>,
  failedChecks: Map<string, number>,
): Promise<string | undefined> {
  const details = await inspectAll(ctx, ids);
  for (const [i, id] of ids.entries()) {
    const now = details[i];
    if (!now || now.state !== 'running') {
      return `A new container exited${now?.exitCode ? ` (exit code ${now.exitCode})` : ''}`;
    }
    if (now.restartCount !== before.get(id)) return 'A new container restarted';
  }
  const results = await Promise.all(upstreams.map((u) => checkOnce(u, ctx.service.healthcheck)));
  for (const [i, result] of results.entries()) {
    const id = upstreams[i]!.id;
    const count = result.ok ? 0 : (failedChecks.get(id) ?? 0) + 1;
    failedChecks.set(id, count);
    if (!result.ok && count >= FAILED_CHECKS_TO_SWITCH_BACK) {
      return `A new container failed its health check ${count} times in a row (${result.reason})`;
    }
  }
  return undefined;
}

/** The running containers of a deployment as upstreams (the same choice route-restore.ts makes). */
async function upstreamsOf(ctx: RunContext, deploymentId: string): Promise<Upstream[]> {
  const containers = await ctx.deps.runtime.listContainers({
    'berth.service': ctx.service.id,
    'berth.deployment': deploymentId,
  });
  const result: Upstream[] = [];
  for (const c of containers) {
    if (c.state !== 'running' || c.labels['berth.role'] !== undefined) continue;
    const details = await ctx.deps.runtime.inspectContainer(c.id);
    const upstream =
      details?.state === 'running' &&
      upstreamOf(details, ctx.project.networkName, portOfContainer(details, ctx.service));
    if (upstream) result.push(upstream);
  }
  return result;
}

function inspectAll(ctx: RunContext, ids: string[]): Promise<(ContainerDetails | undefined)[]> {
  return Promise.all(ids.map((id) => ctx.deps.runtime.inspectContainer(id)));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
