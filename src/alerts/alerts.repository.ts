/** SQL for alert rules, alerts and notification deliveries. */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { AlertsTable, NotificationDeliveriesTable } from '../db/schema.js';
import { newId, nowIso } from '../lib/ids.js';
import {
  RULE_KINDS,
  type Alert,
  type AlertRule,
  type Delivery,
  type DeliveryEvent,
  type Finding,
  type RuleKind,
} from './alert.types.js';

const isRuleKind = (kind: string): kind is RuleKind => (RULE_KINDS as readonly string[]).includes(kind);

export async function listRules(db: Executor): Promise<AlertRule[]> {
  const rows = await db.selectFrom('alert_rules').selectAll().execute();
  const rules = rows
    .filter((r) => isRuleKind(r.kind))
    .map((r) => ({
      kind: r.kind as RuleKind,
      enabled: r.enabled === 1,
      threshold: r.threshold,
      windowSeconds: r.window_seconds,
    }));
  return rules.sort((a, b) => RULE_KINDS.indexOf(a.kind) - RULE_KINDS.indexOf(b.kind));
}

export async function saveRule(db: Executor, rule: AlertRule): Promise<void> {
  await db
    .updateTable('alert_rules')
    .set({
      enabled: rule.enabled ? 1 : 0,
      threshold: rule.threshold,
      window_seconds: rule.windowSeconds,
      updated_at: nowIso(),
    })
    .where('kind', '=', rule.kind)
    .execute();
}

function toAlert(row: Selectable<AlertsTable>): Alert {
  return {
    id: row.id,
    rule: row.rule as RuleKind,
    subject: row.subject,
    projectId: row.project_id,
    title: row.title,
    detail: row.detail,
    status: row.status,
    openedAt: row.opened_at,
    resolvedAt: row.resolved_at,
  };
}

export async function openAlertsOf(db: Executor, rule: RuleKind): Promise<Alert[]> {
  const rows = await db
    .selectFrom('alerts')
    .selectAll()
    .where('rule', '=', rule)
    .where('status', '=', 'open')
    .execute();
  return rows.map(toAlert);
}

/** Opens an alert; undefined when one is already open for the rule and subject (the unique index decides). */
export async function openAlert(db: Executor, rule: RuleKind, finding: Finding): Promise<Alert | undefined> {
  const id = newId('alr');
  const result = await db
    .insertInto('alerts')
    .values({
      id,
      rule,
      subject: finding.subject,
      project_id: finding.projectId,
      title: finding.title,
      detail: finding.detail,
      status: 'open',
      opened_at: nowIso(),
      resolved_at: null,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (!result.numInsertedOrUpdatedRows) return undefined;
  const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return toAlert(row);
}

export async function resolveAlert(db: Executor, id: string): Promise<Alert | undefined> {
  await db
    .updateTable('alerts')
    .set({ status: 'resolved', resolved_at: nowIso() })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .execute();
  const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toAlert(row);
}

export async function findAlert(db: Executor, id: string): Promise<Alert | undefined> {
  const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toAlert(row);
}

export async function listAlerts(db: Executor, options: { status?: Alert['status']; limit: number }): Promise<Alert[]> {
  let query = db.selectFrom('alerts').selectAll();
  if (options.status) query = query.where('status', '=', options.status);
  return (await query.orderBy('opened_at', 'desc').limit(options.limit).execute()).map(toAlert);
}

function toDelivery(row: Selectable<NotificationDeliveriesTable>): Delivery {
  return {
    id: row.id,
    channelId: row.channel_id,
    alertId: row.alert_id,
    event: row.event,
    title: row.title,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

export async function queueDelivery(
  db: Executor,
  fields: { channelId: string; alertId: string | null; event: DeliveryEvent; title: string },
): Promise<Delivery> {
  const now = nowIso();
  const row = {
    id: newId('dlv'),
    channel_id: fields.channelId,
    alert_id: fields.alertId,
    event: fields.event,
    title: fields.title,
    status: 'pending' as const,
    attempts: 0,
    last_error: null,
    next_attempt_at: now,
    created_at: now,
    sent_at: null,
  };
  await db.insertInto('notification_deliveries').values(row).execute();
  return toDelivery(row);
}

export async function dueDeliveries(db: Executor, now: string, limit: number): Promise<Delivery[]> {
  const rows = await db
    .selectFrom('notification_deliveries')
    .selectAll()
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
  return rows.map(toDelivery);
}

export async function recordAttempt(
  db: Executor,
  id: string,
  outcome: Pick<Delivery, 'status' | 'attempts' | 'lastError' | 'nextAttemptAt' | 'sentAt'>,
): Promise<void> {
  await db
    .updateTable('notification_deliveries')
    .set({
      status: outcome.status,
      attempts: outcome.attempts,
      last_error: outcome.lastError,
      next_attempt_at: outcome.nextAttemptAt,
      sent_at: outcome.sentAt,
    })
    .where('id', '=', id)
    .execute();
}

/** Alert messages (not tests) the channel has tried to send since `since`: what its rate limit counts. */
export async function attemptedSince(db: Executor, channelId: string, since: string): Promise<number> {
  const row = await db
    .selectFrom('notification_deliveries')
    .select(sql<number>`count(*)`.as('n'))
    .where('channel_id', '=', channelId)
    .where('event', '!=', 'test')
    .where('attempts', '>', 0)
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findDelivery(db: Executor, id: string): Promise<Delivery | undefined> {
  const row = await db.selectFrom('notification_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toDelivery(row);
}

export async function listDeliveries(
  db: Executor,
  options: { channelId?: string; limit: number },
): Promise<Delivery[]> {
  let query = db.selectFrom('notification_deliveries').selectAll();
  if (options.channelId) query = query.where('channel_id', '=', options.channelId);
  return (await query.orderBy('created_at', 'desc').orderBy('id').limit(options.limit).execute()).map(toDelivery);
}

/** Forgets deliveries created, and alerts resolved, before `before` (deleting an alert takes its deliveries). */
export async function pruneHistory(db: Executor, before: string): Promise<void> {
  await db.deleteFrom('notification_deliveries').where('created_at', '<', before).execute();
  await db.deleteFrom('alerts').where('status', '=', 'resolved').where('resolved_at', '<', before).execute();
}
