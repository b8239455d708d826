/** SQL for the audit log (audit_events) and its retention setting (a row of the settings table). */
import { sql, type Selectable, type SelectQueryBuilder } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { AuditEventsTable, Database } from '../db/schema.js';
import type { AuditChanges } from './audit-redact.js';
import type { AuditEvent, AuditFilter, AuditInput } from './audit.types.js';

const RETENTION_KEY = 'audit.retention_days';

function toEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    actor: {
      kind: row.actor_kind,
      userId: row.actor_user_id,
      email: row.actor_email,
      tokenId: row.actor_token_id,
      tokenName: row.actor_token_name,
    },
    action: row.action,
    object: row.object_type ? { type: row.object_type, id: row.object_id, name: row.object_name } : null,
    projectId: row.project_id,
    address: row.address,
    userAgent: row.user_agent,
    outcome: row.outcome,
    statusCode: row.status_code,
    detail: row.detail,
    changes: row.changes ? (JSON.parse(row.changes) as AuditChanges) : null,
  };
}

export async function insertAuditEvent(db: Executor, input: AuditInput): Promise<void> {
  const { actor, object } = input;
  await db
    .insertInto('audit_events')
    .values({
      ...(input.at ? { at: input.at } : {}),
      actor_kind: actor.kind,
      actor_user_id: actor.userId ?? null,
      actor_email: actor.email ?? null,
      actor_token_id: actor.tokenId ?? null,
      actor_token_name: actor.tokenName ?? null,
      action: input.action,
      object_type: object?.type ?? null,
      object_id: object?.id ?? null,
      object_name: object?.name ?? null,
      project_id: input.projectId ?? null,
      address: input.address ?? null,
      user_agent: input.userAgent ?? null,
      outcome: input.outcome,
      status_code: input.statusCode ?? null,
      detail: input.detail ?? null,
      changes: input.changes ? JSON.stringify(input.changes) : null,
    })
    .execute();
}

function filtered(
  query: SelectQueryBuilder<Database, 'audit_events', object>,
  filter: AuditFilter,
): SelectQueryBuilder<Database, 'audit_events', object> {
  let q = query;
  if (filter.actor) {
    // instr, not LIKE: the text is matched literally (a % or _ in it means itself).
    const needle = filter.actor.toLowerCase();
    q = q.where((eb) =>
      eb.or([
        eb('actor_kind', '=', needle as AuditEventsTable['actor_kind']),
        eb('actor_user_id', '=', filter.actor!),
        sql<boolean>`instr(lower(coalesce(actor_email, '')), ${needle}) > 0`,
        sql<boolean>`instr(lower(coalesce(actor_token_name, '')), ${needle}) > 0`,
      ]),
    );
  }
  if (filter.actionPrefix) {
    const prefix = filter.actionPrefix;
    const dotted = `${prefix}.`;
    q = q.where((eb) =>
      eb.or([eb('action', '=', prefix), sql<boolean>`substr(action, 1, ${dotted.length}) = ${dotted}`]),
    );
  }
  if (filter.projectId) q = q.where('project_id', '=', filter.projectId);
  if (filter.from) q = q.where('at', '>=', filter.from);
  if (filter.to) q = q.where('at', '<=', filter.to);
  if (filter.outcome) q = q.where('outcome', '=', filter.outcome);
  return q;
}

/** Newest first; `beforeId` pages on from the last row a caller saw (stable while rows are added). */
export async function listAuditEvents(
  db: Executor,
  filter: AuditFilter,
  page: { limit: number; offset?: number; beforeId?: number },
): Promise<AuditEvent[]> {
  let q = filtered(db.selectFrom('audit_events'), filter);
  if (page.beforeId !== undefined) q = q.where('id', '<', page.beforeId);
  const rows = await q
    .selectAll()
    .orderBy('id', 'desc')
    .limit(page.limit)
    .offset(page.offset ?? 0)
    .execute();
  return rows.map((row) => toEvent(row as Selectable<AuditEventsTable>));
}

export async function countAuditEvents(db: Executor, filter: AuditFilter): Promise<number> {
  const row = await filtered(db.selectFrom('audit_events'), filter)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number((row as { n: number }).n);
}

/** Whether an event with this action already exists for the object (deploy events are recorded once). */
export async function hasAuditEvent(db: Executor, action: string, objectId: string): Promise<boolean> {
  const row = await db
    .selectFrom('audit_events')
    .select('id')
    .where('action', '=', action)
    .where('object_id', '=', objectId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Removes the rows older than the cutoff, at most `batch` at a time (short write locks); returns how many. */
export async function deleteAuditEventsBefore(db: Executor, cutoffIso: string, batch: number): Promise<number> {
  const result = await db
    .deleteFrom('audit_events')
    .where('id', 'in', (eb) =>
      eb.selectFrom('audit_events').select('id').where('at', '<', cutoffIso).orderBy('id').limit(batch),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function readRetentionDays(db: Executor): Promise<number | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', RETENTION_KEY).executeTakeFirst();
  const days = row ? Number(row.value) : NaN;
  return Number.isInteger(days) ? days : undefined;
}

export async function writeRetentionDays(db: Executor, days: number): Promise<void> {
  const value = String(days);
  await db
    .insertInto('settings')
    .values({ key: RETENTION_KEY, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
