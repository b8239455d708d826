/** HTTP metrics and the request log of a service over the JSON API (from Berth's own proxy). */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../errors.js';
import { parseRequestLogQuery, type RequestLogQueryInput } from '../../../traffic/request-log-query.js';
import { TRAFFIC_RANGES, type TrafficFeature, type TrafficRange } from '../../../traffic/traffic.service.js';
import type { AppContext } from '../../context.js';
import { serviceIdParams } from './deployment-schemas.js';
import { bearerSecurity, errorResponses } from './schemas.js';
import { can } from '../../route-access.js';

const nullableMs = { type: ['number', 'null'] } as const;
const pointProperties = {
  requests: { type: 'integer' },
  status2xx: { type: 'integer', description: '1xx and 2xx responses' },
  status3xx: { type: 'integer' },
  status4xx: { type: 'integer' },
  status5xx: { type: 'integer', description: "5xx responses, the proxy's own 502/503/504 included" },
  bytesIn: { type: 'integer' },
  bytesOut: { type: 'integer' },
  p50Ms: nullableMs,
  p95Ms: nullableMs,
  p99Ms: nullableMs,
} as const;

const short = (description: string) => ({ type: 'string', maxLength: 300, description }) as const;

/** Resolves the feature and the service, or fails with a clear code before anything is read. */
async function serviceTraffic(ctx: AppContext, serviceId: string): Promise<TrafficFeature> {
  if (!ctx.traffic) throw new AppError('NOT_FOUND', 'HTTP metrics are not enabled on this server.');
  if (!(await ctx.deploys.findService(serviceId))) {
    throw new AppError('NOT_FOUND', `No service ${serviceId}.`);
  }
  return ctx.traffic;
}

export async function trafficApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string }; Querystring: { range?: TrafficRange } }>(
    '/services/:id/traffic',
    {
      config: can('project.read', 'service'),
      schema: {
        tags: ['metrics'],
        summary:
          "HTTP metrics of the service from Berth's proxy: requests by status class, bytes and latency percentiles " +
          '(p50/p95/p99, within ±9 %), as points over the range plus totals. Written every 10 s.',
        security: bearerSecurity,
        params: serviceIdParams,
        querystring: {
          type: 'object',
          properties: { range: { type: 'string', enum: Object.keys(TRAFFIC_RANGES), default: '1h' } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            required: ['from', 'to', 'stepMs', 'points', 'totals'],
            properties: {
              from: { type: 'string', format: 'date-time' },
              to: { type: 'string', format: 'date-time' },
              stepMs: { type: 'integer' },
              points: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { at: { type: 'string', format: 'date-time' }, ...pointProperties },
                },
              },
              totals: {
                type: 'object',
                properties: {
                  ...pointProperties,
                  logDropped: { type: 'integer', description: 'Requests left out of the request log (buffer full)' },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const traffic = await serviceTraffic(ctx, request.params.id);
      const series = await traffic.series(request.params.id, request.query.range ?? '1h');
      return {
        ...series,
        from: new Date(series.from).toISOString(),
        to: new Date(series.to).toISOString(),
        points: series.points.map((p) => ({ ...p, at: new Date(p.at).toISOString() })),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: RequestLogQueryInput }>(
    '/services/:id/requests',
    {
      config: can('project.read', 'service'),
      schema: {
        tags: ['metrics'],
        summary:
          "The service's request log, newest first (no query strings are stored). Kept per service up to a row cap " +
          'and an age; under heavy load some requests may be left out (counted in the traffic totals as logDropped).',
        security: bearerSecurity,
        params: serviceIdParams,
        querystring: {
          type: 'object',
          properties: {
            from: short('Start (epoch ms or ISO 8601), inclusive'),
            to: short('End (epoch ms or ISO 8601), exclusive'),
            status: short('A status (404) or a class (5xx)'),
            method: short('GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS'),
            path: short('Path prefix, starting with /'),
            minMs: short('Minimum duration in ms'),
            limit: short('Rows to return, 1 to 1000 (default 100)'),
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            required: ['entries'],
            properties: {
              entries: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    at: { type: 'string', format: 'date-time' },
                    method: { type: 'string' },
                    path: { type: 'string' },
                    status: { type: 'integer' },
                    durationMs: { type: 'number' },
                    bytesIn: { type: 'integer' },
                    bytesOut: { type: 'integer' },
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
      const filter = parseRequestLogQuery(request.params.id, request.query);
      const traffic = await serviceTraffic(ctx, request.params.id);
      const rows = await traffic.requestLog(filter);
      return { entries: rows.map(({ id: _id, ...row }) => ({ ...row, at: new Date(row.at).toISOString() })) };
    },
  );
}
