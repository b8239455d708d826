/**
 * Rules over the running containers, as the engine reports them: crash loops (restarted `threshold`
 * times and down or only just up again), OOM kills, and failing health checks (the engine's, or the app's
 * configured check probed once per evaluation). Only the containers of a
 * service's live deployment count (and database containers); a release step or an old deployment's
 * draining container says nothing about the service.
 */
import { AppError } from '../../errors.js';
import { hasCrashed } from '../../deploys/service-state.js';
import { LABELS } from '../../projects/service.types.js';
import type { ContainerDetails } from '../../runtime/runtime.js';
import type { AlertRule, Finding, RuleKind } from '../alert.types.js';
import { probeAppHealth } from './app-health.js';
import type { RuleContext, RuleCheck } from './rule-context.js';
import { activeDeploymentIds } from './rule-inputs.repository.js';
import { serviceLabel, serviceNames, type ServiceName } from './subjects.js';

interface Watched {
  service: ServiceName;
  details: ContainerDetails;
}

async function watchedContainers(ctx: RuleContext): Promise<Watched[]> {
  if (!ctx.runtime.state().available) throw new AppError('DOCKER_UNAVAILABLE', 'the container engine is away');
  const live = new Set(await activeDeploymentIds(ctx.db));
  const names = await serviceNames(ctx.db);
  const watched: Watched[] = [];
  for (const c of await ctx.runtime.listContainers({ [LABELS.managed]: 'true' })) {
    const service = names.get(c.labels[LABELS.service] ?? '');
    const deployment = c.labels[LABELS.deployment];
    if (!service || c.labels['berth.role'] === 'release') continue;
    if (deployment ? !live.has(deployment) : service.kind !== 'database') continue;
    const details = await ctx.runtime.inspectContainer(c.id);
    if (details) watched.push({ service, details });
  }
  return watched;
}

function perService(
  watched: Watched[],
  matches: (details: ContainerDetails) => boolean,
  describe: (w: Watched) => Omit<Finding, 'subject' | 'projectId'>,
): Finding[] {
  const findings = new Map<string, Finding>();
  for (const w of watched) {
    if (findings.has(w.service.serviceId) || !matches(w.details)) continue;
    findings.set(w.service.serviceId, {
      subject: `service:${w.service.serviceId}`,
      projectId: w.service.projectId,
      ...describe(w),
    });
  }
  return [...findings.values()];
}

const crashLoop = (ctx: RuleContext, rule: AlertRule, watched: Watched[]) =>
  perService(
    watched,
    (d) => d.restartCount >= (rule.threshold ?? 3) && hasCrashed(d, ctx.now()),
    ({ service, details }) => ({
      title: `${serviceLabel(service)} is crash-looping`,
      detail: `Container ${details.name} has restarted ${details.restartCount} times${details.exitCode !== null ? ` (last exit code ${details.exitCode})` : ''}.`,
    }),
  );

const oomKilled = (_ctx: RuleContext, _rule: AlertRule, watched: Watched[]) =>
  perService(
    watched,
    (d) => d.oomKilled === true,
    ({ service, details }) => ({
      title: `${serviceLabel(service)} ran out of memory`,
      detail: `The kernel killed container ${details.name} for exceeding its memory limit.`,
    }),
  );

/**
 * Unhealthy: the engine's own health check (an image or database HEALTHCHECK) says so, or the app's
 * configured check failed on this evaluation and the one before (`failedBefore`: container ids).
 */
async function healthFailing(
  ctx: RuleContext,
  watched: Watched[],
  failedBefore: Set<string>,
  failedNow: Set<string>,
): Promise<Finding[]> {
  const reasons = new Map<string, string>();
  for (const { service, details } of watched) {
    if (details.state !== 'running') continue;
    if (details.health === 'unhealthy') {
      reasons.set(details.id, `The engine reports container ${details.name} as unhealthy.`);
      continue;
    }
    // A crash-looping app is the crash rule's; one restarting a moment ago has not had a chance yet.
    if (service.kind !== 'app' || hasCrashed(details, ctx.now())) continue;
    const reason = await probeAppHealth(ctx.db, service.serviceId, service.projectId, details);
    if (!reason) continue;
    failedNow.add(details.id);
    if (failedBefore.has(details.id)) reasons.set(details.id, `Container ${details.name}: ${reason}.`);
  }
  return perService(
    watched,
    (d) => reasons.has(d.id),
    ({ service, details }) => ({
      title: `${serviceLabel(service)} fails its health check`,
      detail: reasons.get(details.id)!,
    }),
  );
}

/**
 * The three rules share one look at the engine per evaluation (list and inspect once, not three times).
 * `forEvaluation` returns checks bound to that shared look.
 */
export function containerRules(): { forEvaluation(): Partial<Record<RuleKind, RuleCheck>> } {
  let failedBefore = new Set<string>();
  return {
    forEvaluation() {
      let look: Promise<Watched[]> | undefined;
      const shared = (ctx: RuleContext) => (look ??= watchedContainers(ctx));
      const bind =
        (check: (ctx: RuleContext, rule: AlertRule, watched: Watched[]) => Finding[]): RuleCheck =>
        async (ctx, rule) =>
          check(ctx, rule, await shared(ctx));
      return {
        crash_loop: bind(crashLoop),
        oom_killed: bind(oomKilled),
        health_failing: async (ctx) => {
          const failedNow = new Set<string>();
          const findings = await healthFailing(ctx, await shared(ctx), failedBefore, failedNow);
          failedBefore = failedNow;
          return findings;
        },
      };
    },
  };
}
