/**
 * The audit log: features and the HTTP layer record here, the panel and API read and export from here,
 * and a daily job removes rows older than the retention setting. Recording never throws: the change it
 * describes has already happened, so a failed write is logged (without the row) and the caller goes on.
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import type { Job } from '../jobs/scheduler.js';
import type { Logger } from '../logger.js';
import { redactText, redactValue, type AuditChanges } from './audit-redact.js';
import {
  countAuditEvents,
  deleteAuditEventsBefore,
  hasAuditEvent,
  insertAuditEvent,
  listAuditEvents,
  readRetentionDays,
  writeRetentionDays,
} from './audit.repository.js';
import { OUTCOMES, type AuditEvent, type AuditFilter, type AuditInput, type AuditOutcome } from './audit.types.js';

export const DEFAULT_RETENTION_DAYS = 90;
export const MIN_RETENTION_DAYS = 1;
export const MAX_RETENTION_DAYS = 3650;
/** An export stops here: a bounded answer, however wide the filter. */
export const MAX_EXPORT_ROWS = 100_000;
const EXPORT_BATCH = 500;
const SWEEP_BATCH = 5000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The port features record through (they see only this type). */
export interface AuditRecorder {
  record(input: AuditInput): Promise<void>;
}

function clip(text: string | null | undefined, max: number): string | null {
  if (text === null || text === undefined || text === '') return null;
  // Control characters (a newline in a user agent) would forge lines in a text view of the log.
  // eslint-disable-next-line no-control-regex
  const clean = redactText(text.replace(/[\u0000-\u001f\u007f]/g, ' '));
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Defence in depth: whatever a caller passed, plain values are scrubbed again before they are stored. */
function scrubChanges(changes: AuditChanges | null | undefined): AuditChanges | null {
  if (!changes) return null;
  const out: AuditChanges = {};
  for (const [path, change] of Object.entries(changes)) {
    out[path] = typeof change === 'string' ? change : (redactValue(change) as AuditChanges[string]);
  }
  return out;
}

export class AuditLog implements AuditRecorder {
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  async record(input: AuditInput): Promise<void> {
    try {
      await insertAuditEvent(this.db, {
        ...input,
        actor: {
          kind: input.actor.kind,
          userId: clip(input.actor.userId, 64),
          email: clip(input.actor.email, 320),
          tokenId: clip(input.actor.tokenId, 64),
          tokenName: clip(input.actor.tokenName, 200),
        },
        action: input.action.slice(0, 100),
        object: input.object && {
          type: input.object.type.slice(0, 40),
          id: clip(input.object.id, 64),
          name: clip(input.object.name, 200),
        },
        address: clip(input.address, 64),
        userAgent: clip(input.userAgent, 300),
        detail: clip(input.detail, 500),
        changes: scrubChanges(input.changes),
      });
    } catch (error) {
      this.logger.error({ err: error, action: input.action }, 'could not write an audit event');
    }
  }

  /** Records only when no event of this action exists for the object yet (events may be announced twice). */
  async recordOnce(input: AuditInput & { object: { type: string; id: string } }): Promise<void> {
    if (await hasAuditEvent(this.db, input.action, input.object.id).catch(() => false)) return;
    await this.record(input);
  }

  async list(
    filter: AuditFilter,
    page: { limit: number; offset: number },
  ): Promise<{ events: AuditEvent[]; total: number }> {
    const [events, total] = await Promise.all([
      listAuditEvents(this.db, filter, page),
      countAuditEvents(this.db, filter),
    ]);
    return { events, total };
  }

  /** Newest first, in batches, at most MAX_EXPORT_ROWS (or `limit`). */
  async *exportEvents(filter: AuditFilter, limit = MAX_EXPORT_ROWS): AsyncGenerator<AuditEvent> {
    let left = Math.min(limit, MAX_EXPORT_ROWS);
    let beforeId: number | undefined;
    while (left > 0) {
      const batch = await listAuditEvents(this.db, filter, { limit: Math.min(EXPORT_BATCH, left), beforeId });
      for (const event of batch) yield event;
      if (batch.length < EXPORT_BATCH) return;
      left -= batch.length;
      beforeId = batch.at(-1)!.id;
    }
  }

  async retentionDays(): Promise<number> {
    return (await readRetentionDays(this.db)) ?? DEFAULT_RETENTION_DAYS;
  }

  async setRetentionDays(raw: unknown): Promise<number> {
    const days = typeof raw === 'string' && /^\d{1,5}$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof days !== 'number' || !Number.isInteger(days) || days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS) {
      throw new AppError(
        'VALIDATION_FAILED',
        `Keep the audit log for a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}.`,
      );
    }
    await writeRetentionDays(this.db, days);
    return days;
  }

  /** Deletes the rows older than the retention; returns how many went. */
  async sweep(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - (await this.retentionDays()) * DAY_MS).toISOString();
    let total = 0;
    for (;;) {
      const removed = await deleteAuditEventsBefore(this.db, cutoff, SWEEP_BATCH);
      total += removed;
      if (removed < SWEEP_BATCH) break;
    }
    if (total > 0) this.logger.info({ removed: total, cutoff }, 'old audit events removed');
    return total;
  }

  sweepJob(): Job {
    return {
      name: 'audit-sweep',
      schedule: '41 3 * * *',
      run: async () => {
        await this.sweep();
      },
    };
  }
}

const ACTION_PREFIX = /^[a-z][a-z0-9-]{0,40}(\.[a-z][a-z0-9-]{0,40}){0,4}$/;
const PROJECT_ID = /^prj_[0-9a-z]{1,40}$/;

function parseTime(raw: unknown, name: string): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  // A full ISO time, a date, or what <input type="datetime-local"> sends (read as UTC).
  const text = typeof raw === 'string' ? raw.trim() : '';
  const isShaped = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(text);
  const withZone = /T.*(Z|[+-]\d{2}:\d{2})$/.test(text) || !text.includes('T') ? text : `${text}Z`;
  const ms = isShaped ? Date.parse(withZone) : NaN;
  if (!Number.isFinite(ms)) throw new AppError('VALIDATION_FAILED', `"${name}" must be a date or an ISO time.`);
  return new Date(ms).toISOString();
}

/**
 * The filters of a query string, checked against allow-lists. A `to` that is only a date means the end
 * of that day.
 */
export function parseAuditFilter(query: Record<string, unknown>): AuditFilter {
  const filter: AuditFilter = {};
  const text = (key: string) => (typeof query[key] === 'string' ? (query[key] as string).trim() : '');
  const actor = text('actor');
  if (actor) {
    if (actor.length > 200) throw new AppError('VALIDATION_FAILED', '"actor" is too long.');
    filter.actor = actor;
  }
  const action = text('action');
  if (action) {
    if (!ACTION_PREFIX.test(action)) {
      throw new AppError(
        'VALIDATION_FAILED',
        '"action" must be an action or its start, like "service" or "login.failed".',
      );
    }
    filter.actionPrefix = action;
  }
  const project = text('project');
  if (project) {
    if (!PROJECT_ID.test(project)) throw new AppError('VALIDATION_FAILED', '"project" must be a project id.');
    filter.projectId = project;
  }
  const outcome = text('outcome');
  if (outcome) {
    if (!OUTCOMES.includes(outcome as AuditOutcome)) {
      throw new AppError('VALIDATION_FAILED', '"outcome" must be "success" or "failure".');
    }
    filter.outcome = outcome as AuditOutcome;
  }
  filter.from = parseTime(text('from'), 'from');
  const to = text('to');
  const toIso = parseTime(to, 'to');
  filter.to = toIso && /^\d{4}-\d{2}-\d{2}$/.test(to) ? new Date(Date.parse(toIso) + DAY_MS - 1).toISOString() : toIso;
  if (!filter.from) delete filter.from;
  if (!filter.to) delete filter.to;
  return filter;
}
