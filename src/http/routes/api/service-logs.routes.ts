/**
 * Runtime logs of a service over the JSON API: the last lines or a live text/plain stream from the running
 * containers, and the kept logs of every deployment (stored as they were printed, so they outlive the
 * containers): listed, searched and downloaded.
 */
import type { FastifyInstance } from 'fastify';
import { DEFAULT_TAIL, MAX_TAIL, dropWhenBacklogged } from '../../../deploys/runtime-logs.js';
import { AppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { sendKeptLog } from '../../kept-log-download.js';
import {
  DEFAULT_KEPT_LINES,
  MAX_KEPT_LINES_PER_PAGE,
  replicaParts,
  type KeptLogs,
} from '../../../kept-logs/kept-logs.service.js';
import { deploymentIdParams, keptLineStream, keptStreamQuery, serviceIdParams } from './deployment-schemas.js';
import { bearerSecurity, errorResponses } from './schemas.js';
import { can } from '../../route-access.js';

/** Query values arrive as strings (the API's validator does not coerce types). */
const logsQuery = {
  type: 'object',
  properties: {
    tail: {
      type: 'string',
      pattern: '^[0-9]{1,7}$',
      description: `Lines from the end of each container's log to start with (default ${DEFAULT_TAIL}, at most ${MAX_TAIL})`,
    },
    follow: { type: 'string', enum: ['true', 'false'], description: 'Stream new lines as text/plain' },
    process: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9_-]{0,29}$',
      description: 'Only one process: `web` (the routed replicas) or a worker process type such as `worker`',
    },
  },
  additionalProperties: false,
} as const;

type LogsRequest = {
  Params: { id: string };
  Querystring: { tail?: string; follow?: 'true' | 'false'; process?: string };
};

export async function serviceLogsApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<LogsRequest>(
    '/services/:id/logs',
    {
      config: can('project.read', 'service'),
      schema: {
        tags: ['deployments'],
        summary:
          "Output of the service's running containers (active deployment; lines prefixed [n] when there are several " +
          'replicas, [worker.n] for a worker process, escape sequences removed, secret variable values redacted). With follow=true, a text/plain stream that ' +
          'continues across redeploys and ends when nothing newer took over.',
        security: bearerSecurity,
        params: serviceIdParams,
        querystring: logsQuery,
        response: {
          200: {
            type: 'object',
            required: ['lines', 'deploymentId'],
            properties: {
              lines: { type: 'array', items: { type: 'string' } },
              deploymentId: { type: ['string', 'null'], description: 'The active deployment, null when none' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const serviceId = request.params.id;
      if (!(await ctx.deploys.findService(serviceId))) throw new AppError('NOT_FOUND', `No service ${serviceId}.`);
      const tail = request.query.tail === undefined ? DEFAULT_TAIL : Number(request.query.tail);
      const onlyProcess = request.query.process;
      if (request.query.follow !== 'true') {
        // Bounded: at most MAX_TAIL lines per replica.
        const lines: string[] = [];
        const { deploymentId } = await ctx.deploys.followLogs(
          serviceId,
          { tail, follow: false, process: onlyProcess },
          (line) => lines.push(line),
        );
        return { lines, deploymentId };
      }
      const aborted = new AbortController();
      request.raw.on('close', () => aborted.abort());
      reply.raw.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      const write = dropWhenBacklogged(
        (line) => reply.raw.write(`${line}\n`),
        () => reply.raw.writableLength,
      );
      try {
        await ctx.deploys.followLogs(
          serviceId,
          { tail, follow: true, signal: aborted.signal, process: onlyProcess },
          write,
        );
      } catch (error) {
        // Headers are gone: the only place left to say why the stream ends is the stream itself.
        request.log.warn({ err: error, serviceId }, 'runtime log stream ended with an error');
        reply.raw.write(`--- the log stopped: ${error instanceof AppError ? error.message : 'internal error'}\n`);
      }
      reply.raw.end();
      return reply;
    },
  );

  const keptLogs = (): KeptLogs => {
    if (!ctx.keptLogs) throw new AppError('NOT_FOUND', 'Kept runtime logs are not enabled on this server.');
    return ctx.keptLogs;
  };

  app.get<{ Params: { id: string } }>(
    '/services/:id/logs/deployments',
    {
      config: can('project.read', 'service'),
      schema: {
        tags: ['deployments'],
        summary:
          'Deployments of the service whose runtime logs are kept (newest first), still readable after a redeploy',
        security: bearerSecurity,
        params: serviceIdParams,
        response: {
          200: {
            type: 'object',
            required: ['deployments'],
            properties: {
              deployments: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    deploymentId: { type: 'string' },
                    lines: { type: 'integer' },
                    firstAt: { type: 'string', format: 'date-time' },
                    lastAt: { type: 'string', format: 'date-time' },
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
      const kept = keptLogs();
      if (!(await ctx.deploys.findService(request.params.id)))
        throw new AppError('NOT_FOUND', `No service ${request.params.id}.`);
      const deployments = await kept.deployments(request.params.id);
      return {
        deployments: deployments.map((d) => ({
          ...d,
          firstAt: new Date(d.firstAt).toISOString(),
          lastAt: new Date(d.lastAt).toISOString(),
        })),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { search?: string; stream?: string; limit?: string } }>(
    '/deployments/:id/runtime-logs',
    {
      config: can('project.read', 'deployment'),
      schema: {
        tags: ['deployments'],
        summary:
          "A deployment's kept runtime log (its containers' output with the time each line was written), the last " +
          'lines first-to-last; `search` keeps lines containing the text (case-insensitive), `stream` one output of ' +
          'the containers (stdout or stderr; `stream` is null on lines kept before Berth stored it). Kept per service up to ' +
          'a line cap; a marker line says when a container wrote faster than Berth could keep.',
        security: bearerSecurity,
        params: deploymentIdParams,
        querystring: {
          type: 'object',
          properties: {
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
            required: ['deploymentId', 'lines'],
            properties: {
              deploymentId: { type: 'string' },
              lines: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    at: { type: 'string', format: 'date-time' },
                    replica: { type: 'integer' },
                    process: {
                      type: ['string', 'null'],
                      description: 'The worker process type (`worker`…) of a worker line; null for the web replicas',
                    },
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
      const kept = keptLogs();
      await kept.serviceOf(request.params.id);
      const limit = request.query.limit === undefined ? undefined : Number(request.query.limit);
      const { search, stream } = request.query;
      const lines = await kept.lines(request.params.id, { search, stream, limit });
      return {
        deploymentId: request.params.id,
        lines: lines.map((l) => ({
          at: new Date(l.at).toISOString(),
          ...replicaParts(l.replica),
          line: l.line,
          stream: l.stream,
        })),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { stream?: string } }>(
    '/deployments/:id/runtime-logs/download',
    {
      config: can('project.read', 'deployment'),
      schema: {
        tags: ['deployments'],
        summary:
          "A deployment's whole kept runtime log (or one `stream` of it) as a text file: `<time> [<replica>] <line>` per line",
        security: bearerSecurity,
        params: deploymentIdParams,
        querystring: { type: 'object', properties: { stream: keptStreamQuery }, additionalProperties: false },
        response: { 200: { type: 'string' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const kept = keptLogs();
      await kept.serviceOf(request.params.id);
      const { id } = request.params;
      return sendKeptLog(request, reply, kept, id, `${id}-runtime.log`, request.query.stream);
    },
  );
}
