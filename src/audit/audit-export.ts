/**
 * The audit log as CSV (RFC 4180, one header line) or as one JSON array, produced chunk by chunk so an
 * export of many rows is streamed, never built in memory.
 */
import { actorLabel, type AuditEvent } from './audit.types.js';

export type ExportFormat = 'csv' | 'json';

const COLUMNS = [
  'id',
  'at',
  'actor',
  'actor_kind',
  'actor_user_id',
  'actor_email',
  'actor_token_id',
  'actor_token_name',
  'action',
  'object_type',
  'object_id',
  'object_name',
  'project_id',
  'address',
  'user_agent',
  'outcome',
  'status_code',
  'detail',
  'changes',
] as const;

/** A field quoted when it must be; a leading = + - @ is defused so a spreadsheet shows it as text. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(event: AuditEvent): string {
  const values: Record<(typeof COLUMNS)[number], unknown> = {
    id: event.id,
    at: event.at,
    actor: actorLabel(event.actor),
    actor_kind: event.actor.kind,
    actor_user_id: event.actor.userId,
    actor_email: event.actor.email,
    actor_token_id: event.actor.tokenId,
    actor_token_name: event.actor.tokenName,
    action: event.action,
    object_type: event.object?.type,
    object_id: event.object?.id,
    object_name: event.object?.name,
    project_id: event.projectId,
    address: event.address,
    user_agent: event.userAgent,
    outcome: event.outcome,
    status_code: event.statusCode,
    detail: event.detail,
    changes: event.changes ? JSON.stringify(event.changes) : null,
  };
  return `${COLUMNS.map((column) => csvField(values[column])).join(',')}\r\n`;
}

/** The JSON shape of one event (also what GET /api/v1/audit lists). */
export function eventJson(event: AuditEvent): Record<string, unknown> {
  return { ...event, actor: { ...event.actor, label: actorLabel(event.actor) } };
}

export async function* exportChunks(events: AsyncIterable<AuditEvent>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') {
    yield `${COLUMNS.join(',')}\r\n`;
    for await (const event of events) yield csvLine(event);
    return;
  }
  yield '[';
  let isFirst = true;
  for await (const event of events) {
    yield `${isFirst ? '\n' : ',\n'}${JSON.stringify(eventJson(event))}`;
    isFirst = false;
  }
  yield '\n]\n';
}
