/**
 * Kept runtime logs of a managed database: its containers' output stored with the time of each line (one
 * "run" per container the database had), searchable and downloadable after a restart or an upgrade
 * replaced the container. Same retention cap per service and memory bound as apps' kept logs.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../errors.js';
import {
  DEFAULT_KEPT_LINES,
  MAX_KEPT_LINES_PER_PAGE,
  parseStreamFilter,
  type KeptLogs,
} from '../../../kept-logs/kept-logs.service.js';
import type { AppContext } from '../../context.js';
import { sendKeptLog } from '../../kept-log-download.js';
import { idParams } from './project-schemas.js';
import { keptLineStream, keptStreamQuery } from './deployment-schemas.js';
import { bearerSecurity, errorResponses } from './schemas.js';
import { can } from '../../route-access.js';

const RUN_PATTERN = '^ctr_[0-9a-f]{12}$';
type Query = { run?: string; search?: string; stream?: string; limit?: string };

export async function databaseLogsApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const keptLogs = (): KeptLogs => {
    if (!ctx.keptLogs) throw new AppError('NOT_FOUND', 'Kept runtime logs are not enabled on this server.');
    return ctx.keptLogs;
  };
  /** The database (NOT_FOUND otherwise) and the run asked for, or its newest. */
  const runOf = async (databaseId: string, run: string | undefined) => {
    const kept = keptLogs();
    await ctx.databases.databases.view(databaseId);
    const runs = await kept.databaseRuns(databaseId);
    if (run !== undefined && !(await kept.isRunOf(run, databaseId))) {
      throw new AppError('NOT_FOUND', `No kept log run ${run} of this database.`);
    }
    return { kept, runs, runId: run ?? runs[0]?.deploymentId };
  };

  app.get<{ Params: { id: string }; Querystring: Query }>(
    '/databases/:id/logs/kept',
    {
      config: can('project.read', 'database'),
      schema: {
        tags: ['databases'],
        summary:
          "A database's kept runtime log: its runs (one per container, newest first) and the last lines of one run " +
          '(`run`, the newest by default) with the time each was written; `search` keeps lines containing the text ' +
          '(case-insensitive), `stream` one output of the container (stdout or stderr). Capped per database like apps\u2019 kept logs.',
        security: bearerSecurity,
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            run: { type: 'string', pattern: RUN_PATTERN },
            search: { type: 'string', maxLength: 200 },
            stream: keptStreamQuery,
            limit: {
              type: 'string',
              pattern: '^[0-9]{1,5}$',
              description: `Lines (default ${DEFAULT_KEPT_LINES}, at most ${MAX_KEPT_LINES_PER_PAGE})`,
            },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            required: ['runs', 'run', 'lines'],
            properties: {
              runs: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    run: { type: 'string' },
                    lines: { type: 'integer' },
                    firstAt: { type: 'string', format: 'date-time' },
                    lastAt: { type: 'string', format: 'date-time' },
                  },
                },
              },
              run: { type: ['string', 'null'] },
              lines: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    at: { type: 'string', format: 'date-time' },
                    line: { type: 'string' },
                    stream: keptLineStream,
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { kept, runs, runId } = await runOf(request.params.id, request.query.run);
      const limit = request.query.limit === undefined ? undefined : Number(request.query.limit);
      const { search, stream } = request.query;
      // Checked even when there is no run yet, so a bad filter is refused the same way every time.
      parseStreamFilter(stream);
      const lines = runId === undefined ? [] : await kept.lines(runId, { search, stream, limit });
      return {
        runs: runs.map((r) => ({
          run: r.deploymentId,
          lines: r.lines,
          firstAt: new Date(r.firstAt).toISOString(),
          lastAt: new Date(r.lastAt).toISOString(),
        })),
        run: runId ?? null,
        lines: lines.map((l) => ({ at: new Date(l.at).toISOString(), line: l.line, stream: l.stream })),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { run: string; stream?: string } }>(
    '/databases/:id/logs/kept/download',
    {
      config: can('project.read', 'database'),
      schema: {
        tags: ['databases'],
        summary:
          "One run of a database's kept runtime log (or one `stream` of it) as a text file: `<time> [1] <line>` per line",
        security: bearerSecurity,
        params: idParams,
        querystring: {
          type: 'object',
          required: ['run'],
          properties: { run: { type: 'string', pattern: RUN_PATTERN }, stream: keptStreamQuery },
          additionalProperties: false,
        },
        response: { 200: { type: 'string' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { kept } = await runOf(request.params.id, request.query.run);
      const { id } = request.params;
      const { run, stream } = request.query;
      return sendKeptLog(request, reply, kept, run, `${id}-${run}.log`, stream);
    },
  );
}
