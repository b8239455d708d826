/** /api/v1/audit: the audit log (filters, paging), its CSV/JSON export and the retention setting. */
import type { FastifyInstance } from 'fastify';
import { parseAuditFilter } from '../../../audit/audit-log.js';
import { eventJson } from '../../../audit/audit-export.js';
import { AppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { auditQuerySchema, sendExport } from '../../audit/audit-reply.js';
import { errorResponses } from './schemas.js';
import { can } from '../../route-access.js';

const tags = ['audit'];
const security = [{ bearerAuth: [] }];
const MAX_LIMIT = 200;

type Query = Record<string, string | undefined>;

function boundedInt(raw: string | undefined, name: string, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) > max) {
    throw new AppError('VALIDATION_FAILED', `"${name}" must be a whole number from 0 to ${max}.`);
  }
  return Number(raw);
}

const filterDescription =
  'Filters: actor (part of an email or token name, or a kind: user, token, system, git-push, webhook, anonymous), ' +
  'action (an action or its start: "service", "login.failed"), project (id), from and to (ISO time or date), ' +
  'outcome (success | failure).';

export async function auditApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Querystring: Query }>(
    '/audit',
    {
      config: can('server.admin'),
      schema: {
        tags,
        security,
        summary: 'List audit events, newest first',
        description: `${filterDescription} Paging: limit (max ${MAX_LIMIT}, default 50) and offset.`,
        querystring: auditQuerySchema,
        response: {
          200: {
            type: 'object',
            properties: {
              total: { type: 'integer' },
              limit: { type: 'integer' },
              offset: { type: 'integer' },
              events: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const query = request.query ?? {};
      const limit = boundedInt(query.limit, 'limit', 50, MAX_LIMIT);
      const offset = boundedInt(query.offset, 'offset', 0, 10_000_000);
      const { events, total } = await ctx.audit.list(parseAuditFilter(query), { limit, offset });
      return { total, limit, offset, events: events.map(eventJson) };
    },
  );

  app.get<{ Querystring: Query }>(
    '/audit/export',
    {
      config: can('server.admin'),
      schema: {
        tags,
        security,
        summary: 'Download the audit events the filters select, as CSV (format=csv) or a JSON array (format=json)',
        description: `${filterDescription} At most 100,000 rows, newest first.`,
        querystring: auditQuerySchema,
      },
    },
    async (request, reply) => {
      const query = request.query ?? {};
      const format = query.format ?? 'json';
      if (format !== 'csv' && format !== 'json')
        throw new AppError('VALIDATION_FAILED', '"format" must be csv or json.');
      return sendExport(ctx, reply, query, format);
    },
  );

  const retentionSchema = {
    type: 'object',
    properties: { days: { type: 'integer' } },
  } as const;

  app.get(
    '/audit/retention',
    { config: can('server.admin'), schema: { tags, security, summary: 'How many days audit events are kept' } },
    async () => ({
      days: await ctx.audit.retentionDays(),
    }),
  );

  app.put<{ Body: { days: number } }>(
    '/audit/retention',
    {
      config: can('server.admin'),
      schema: {
        tags,
        security,
        summary: 'Set how many days audit events are kept (1 to 3650; older ones are removed daily)',
        body: { ...retentionSchema, required: ['days'], additionalProperties: false },
        response: { 200: retentionSchema, ...errorResponses },
      },
    },
    async (request) => ({ days: await ctx.audit.setRetentionDays(request.body.days) }),
  );
}
