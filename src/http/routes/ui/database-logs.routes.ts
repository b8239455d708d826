/**
 * Panel view of a managed database's kept runtime logs (loaded by htmx into the database page): pick a
 * run (one per container the database had), search, filter by stream, download.
 */
import type { FastifyInstance } from 'fastify';
import { KEPT_STREAM_FILTERS, formatLine, parseStreamFilter } from '../../../kept-logs/kept-logs.service.js';
import type { AppContext } from '../../context.js';
import { sendKeptLog } from '../../kept-log-download.js';
import { idParams } from '../api/project-schemas.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
type WithRun = { Params: { id: string }; Querystring: { run?: string; search?: string; stream?: string } };

export async function databaseLogsUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<WithRun>(
    '/databases/:id/logs/kept',
    { config: can('project.read', 'database'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      const database = await ctx.databases.databases.view(request.params.id);
      const kept = ctx.keptLogs;
      const runs = kept ? await kept.databaseRuns(database.id) : [];
      const selected = runs.find((r) => r.deploymentId === request.query.run) ?? runs[0] ?? null;
      const search = (request.query.search ?? '').slice(0, 200);
      const stream = parseStreamFilter(request.query.stream) ?? 'all';
      const lines = kept && selected ? await kept.lines(selected.deploymentId, { search, stream }) : [];
      await reply.page('database-kept-logs', {
        title: `Kept logs of ${database.name}`,
        database,
        runs,
        selected,
        search,
        stream,
        streams: KEPT_STREAM_FILTERS,
        lines: lines.map(formatLine),
      });
    },
  );

  app.get<WithRun>(
    '/databases/:id/logs/kept/download',
    { config: can('project.read', 'database'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      const database = await ctx.databases.databases.view(request.params.id);
      const run = request.query.run ?? '';
      const kept = ctx.keptLogs;
      // Only a run of this database: the id in the URL is checked against its owner.
      if (!kept || !(await kept.isRunOf(run, database.id))) {
        return reply.code(404).type('text/plain').send('No kept log for that run of this database.');
      }
      return sendKeptLog(request, reply, kept, run, `${database.name}-${run}.log`, request.query.stream);
    },
  );
}
