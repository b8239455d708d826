/**
 * The panel's audit log: filters (actor, action, project, time range, outcome), pages of 50, CSV and JSON
 * export of what the filters select (streamed, bounded), and the retention setting. For now any signed-in
 * user sees it (every user is an admin until roles exist).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseAuditFilter } from '../../../audit/audit-log.js';
import { actorLabel } from '../../../audit/audit.types.js';
import { isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { statusOf } from '../../plugins/error-handler.js';
import { auditQuerySchema, FILTER_KEYS, sendExport } from '../../audit/audit-reply.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
const PAGE_SIZE = 50;

type Query = Partial<Record<(typeof FILTER_KEYS)[number] | 'page', string>>;

/** The query string of the current filters (for paging and export links). */
function filterQuery(query: Query, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (query[key]) params.set(key, query[key]!);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export async function auditUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const show = async (
    request: FastifyRequest<{ Querystring: Query }>,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const query = request.query ?? {};
    const projects = await ctx.projects.list();
    const projectNames = new Map(projects.map((p) => [p.id, p.name]));
    const page = Math.min(Math.max(Number.parseInt(query.page ?? '1', 10) || 1, 1), 10_000);
    let listing = { events: [] as Awaited<ReturnType<typeof ctx.audit.list>>['events'], total: 0 };
    let error: string | undefined;
    try {
      const filter = parseAuditFilter(query);
      listing = await ctx.audit.list(filter, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    } catch (caught) {
      if (!isAppError(caught) || caught.code !== 'VALIDATION_FAILED') throw caught;
      error = caught.message;
      status = 422;
    }
    await reply.page(
      'audit',
      {
        title: 'Audit log',
        query,
        projects,
        events: listing.events.map((event) => ({
          ...event,
          actorText: actorLabel(event.actor),
          projectName: event.projectId ? (projectNames.get(event.projectId) ?? event.projectId) : '',
          changesText: event.changes ? JSON.stringify(event.changes, null, 1) : '',
        })),
        total: listing.total,
        page,
        pages: Math.max(1, Math.ceil(listing.total / PAGE_SIZE)),
        pageUrl: (n: number) => `/audit${filterQuery(query, { page: String(n) })}`,
        csvUrl: `/audit/export.csv${filterQuery(query)}`,
        jsonUrl: `/audit/export.json${filterQuery(query)}`,
        retentionDays: await ctx.audit.retentionDays(),
        filterError: error,
        ...extra,
      },
      status,
    );
  };

  app.get<{ Querystring: Query }>(
    '/audit',
    { config: can('server.admin'), schema: { ...hidden, querystring: auditQuerySchema } },
    (request, reply) => show(request, reply),
  );

  for (const format of ['csv', 'json'] as const) {
    app.get<{ Querystring: Query }>(
      `/audit/export.${format}`,
      { config: can('server.admin'), schema: { ...hidden, querystring: auditQuerySchema } },
      async (request, reply) => sendExport(ctx, reply, request.query ?? {}, format),
    );
  }

  app.post<{ Querystring: Query; Body: { days?: string } }>(
    '/audit/retention',
    {
      config: can('server.admin'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        body: { type: 'object', properties: { days: { type: 'string', maxLength: 10 }, _csrf: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      try {
        const days = await ctx.audit.setRetentionDays(request.body.days);
        reply.flash('success', `Audit events are kept for ${days} days.`);
        return reply.redirect('/audit', 303);
      } catch (error) {
        if (!isAppError(error) || error.code !== 'VALIDATION_FAILED') throw error;
        return show(request, reply, { retentionError: error.message }, statusOf(error.code));
      }
    },
  );
}
