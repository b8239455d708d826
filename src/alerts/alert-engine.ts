/**
 * One evaluation: every enabled rule looks at what holds now; a new finding opens an alert (at most one
 * open per rule and subject: the database's unique index decides) and queues a "firing" message to the
 * channels routed to it; an open alert whose condition is gone is resolved and queues a "resolved" one.
 * A rule that cannot tell (the engine is away) leaves its alerts as they are. A disabled rule's open
 * alerts are closed without a message. Alerts of a service or database that no longer exists resolve on
 * the next evaluation whatever their rule can see (even with the engine away), with a "resolved" message.
 */
import type { Logger } from '../logger.js';
import type { Alert, AlertRule, Finding, RuleKind } from './alert.types.js';
import { listRules, openAlert, openAlertsOf, queueDelivery, resolveAlert } from './alerts.repository.js';
import { channelsFor } from './channels.repository.js';
import type { containerRules } from './rules/container-rules.js';
import { certificateExpiring, certificateRenewalFailed } from './rules/certificate-rules.js';
import { cronFailed } from './rules/cron-rules.js';
import { backupFailed, backupMissing, deployFailed } from './rules/record-rules.js';
import { cpuHigh, diskUsage, http5xxRate, memoryHigh } from './rules/resource-rules.js';
import type { RuleCheck, RuleContext } from './rules/rule-context.js';
import { serviceNames } from './rules/subjects.js';

/** `containers`: the container rules of this feature (they remember which health checks failed last time). */
function checksForOneEvaluation(containers: ReturnType<typeof containerRules>): Record<RuleKind, RuleCheck> {
  return {
    deploy_failed: deployFailed,
    ...(containers.forEvaluation() as Record<'crash_loop' | 'oom_killed' | 'health_failing', RuleCheck>),
    certificate_expiring: certificateExpiring,
    certificate_renewal_failed: certificateRenewalFailed,
    backup_failed: backupFailed,
    backup_missing: backupMissing,
    disk_usage: diskUsage,
    cpu_high: cpuHigh,
    memory_high: memoryHigh,
    http_5xx_rate: http5xxRate,
    cron_failed: cronFailed,
  };
}

export interface EvaluationResult {
  opened: Alert[];
  resolved: Alert[];
}

export async function evaluateRules(
  ctx: RuleContext,
  containers: ReturnType<typeof containerRules>,
  logger: Pick<Logger, 'warn'>,
): Promise<EvaluationResult> {
  const result: EvaluationResult = { opened: [], resolved: [] };
  const checks = checksForOneEvaluation(containers);
  const existing = await serviceNames(ctx.db);
  for (const rule of await listRules(ctx.db)) {
    const open = await resolveDeletedSubjects(ctx, await openAlertsOf(ctx.db, rule.kind), existing, result);
    if (!rule.enabled) {
      for (const alert of open) await resolveAlert(ctx.db, alert.id);
      continue;
    }
    let findings: Finding[];
    try {
      findings = await checks[rule.kind](ctx, rule);
    } catch (error) {
      logger.warn({ err: error, rule: rule.kind }, 'an alert rule could not look; its alerts stay as they are');
      continue;
    }
    await applyFindings(ctx, rule, open, findings, result);
  }
  return result;
}

/** Resolves the alerts whose service or database was deleted; returns the others. */
async function resolveDeletedSubjects(
  ctx: RuleContext,
  open: Alert[],
  existing: ReadonlyMap<string, unknown>,
  result: EvaluationResult,
): Promise<Alert[]> {
  const others: Alert[] = [];
  for (const alert of open) {
    const match = /^(?:service|database):(.+)$/.exec(alert.subject);
    if (match === null || existing.has(match[1]!)) {
      others.push(alert);
      continue;
    }
    const resolved = await resolveAlert(ctx.db, alert.id);
    if (!resolved) continue;
    result.resolved.push(resolved);
    await notify(ctx, resolved, 'resolved');
  }
  return others;
}

async function applyFindings(
  ctx: RuleContext,
  rule: AlertRule,
  open: Alert[],
  findings: Finding[],
  result: EvaluationResult,
): Promise<void> {
  const current = new Set(findings.map((f) => f.subject));
  const already = new Set(open.map((a) => a.subject));
  for (const finding of findings) {
    if (already.has(finding.subject)) continue;
    const alert = await openAlert(ctx.db, rule.kind, finding);
    if (!alert) continue;
    result.opened.push(alert);
    await notify(ctx, alert, 'firing');
  }
  for (const alert of open) {
    if (current.has(alert.subject)) continue;
    const resolved = await resolveAlert(ctx.db, alert.id);
    if (!resolved) continue;
    result.resolved.push(resolved);
    await notify(ctx, resolved, 'resolved');
  }
}

/** Queues the message for every enabled channel routed to the alert's project (server channels get all). */
async function notify(ctx: RuleContext, alert: Alert, event: 'firing' | 'resolved'): Promise<void> {
  for (const channel of await channelsFor(ctx.db, alert.projectId)) {
    await queueDelivery(ctx.db, { channelId: channel.id, alertId: alert.id, event, title: alert.title });
  }
}
