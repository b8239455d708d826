/** What the panel and the API share of the audit log: the query string's schema and the streamed export. */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { parseAuditFilter } from '../../audit/audit-log.js';
import { exportChunks, type ExportFormat } from '../../audit/audit-export.js';
import type { AppContext } from '../context.js';

export const FILTER_KEYS = ['actor', 'action', 'project', 'from', 'to', 'outcome'] as const;

export const auditQuerySchema = {
  type: 'object',
  properties: Object.fromEntries(
    [...FILTER_KEYS, 'page', 'limit', 'offset', 'format'].map((key) => [key, { type: 'string', maxLength: 200 }]),
  ),
};

/** Streams the export: a download of at most MAX_EXPORT_ROWS rows (audit-log.ts). */
export function sendExport(
  ctx: AppContext,
  reply: FastifyReply,
  query: Record<string, unknown>,
  format: ExportFormat,
): FastifyReply {
  const filter = parseAuditFilter(query);
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  return reply
    .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
    .header('content-disposition', `attachment; filename="berth-audit-${stamp}.${format}"`)
    .header('cache-control', 'no-store')
    .send(Readable.from(exportChunks(ctx.audit.exportEvents(filter), format)));
}
