/** Runtime logs of a service over the JSON API: the last lines, or a live text/plain stream. */
import type { FastifyInstance } from 'fastify';
import { DEFAULT_TAIL, MAX_TAIL, dropWhenBacklogged, followServiceLogs } from '../../../deploys/runtime-logs.js';
import { AppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { makeRequireToken } from '../../plugins/auth-guards.js';
import { serviceIdParams } from './deployment-schemas.js';
import { bearerSecurity, errorResponses } from './schemas.js';

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
  },
  additionalProperties: false,
} as const;

type LogsRequest = { Params: { id: string }; Querystring: { tail?: string; follow?: 'true' | 'false' } };

export async function serviceLogsApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.addHook('onRequest', makeRequireToken(ctx));

  app.get<LogsRequest>(
    '/services/:id/logs',
    {
      schema: {
        tags: ['deployments'],
        summary:
          "Output of the service's running containers (active deployment; lines prefixed [n] when there are several " +
          'replicas, escape sequences removed, secret variable values redacted). With follow=true, a text/plain stream that ' +
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
      if (!(await ctx.deploys.deps.catalog.findService(serviceId)))
        throw new AppError('NOT_FOUND', `No service ${serviceId}.`);
      const tail = request.query.tail === undefined ? DEFAULT_TAIL : Number(request.query.tail);
      if (request.query.follow !== 'true') {
        // Bounded: at most MAX_TAIL lines per replica.
        const lines: string[] = [];
        const { deploymentId } = await followServiceLogs(ctx.deploys.deps, serviceId, { tail, follow: false }, (line) =>
          lines.push(line),
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
        await followServiceLogs(ctx.deploys.deps, serviceId, { tail, follow: true, signal: aborted.signal }, write);
      } catch (error) {
        // Headers are gone: the only place left to say why the stream ends is the stream itself.
        request.log.warn({ err: error, serviceId }, 'runtime log stream ended with an error');
        reply.raw.write(`--- the log stopped: ${error instanceof AppError ? error.message : 'internal error'}\n`);
      }
      reply.raw.end();
      return reply;
    },
  );
}
