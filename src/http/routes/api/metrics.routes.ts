/**
 * Resource metrics and usage over the JSON API (token guard), and the Prometheus endpoint /metrics, which
 * takes the same API tokens as a Bearer token (Prometheus' `authorization` setting) and needs an admin's.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../errors.js';
import type { MetricsFeature } from '../../../metrics/metrics-feature.js';
import { currentMonth } from '../../../metrics/metrics.service.js';
import type { Range } from '../../../metrics/metrics.types.js';
import { prometheusText } from '../../../metrics/prometheus.js';
import { usageCsv } from '../../../metrics/usage-csv.js';
import type { AppContext } from '../../context.js';
import { metricSeriesSchema, monthQuery, rangeQuery, usageSchema } from './metrics-schemas.js';
import { bearerSecurity, errorResponses } from './schemas.js';
import { can } from '../../route-access.js';

const tags = ['metrics'];
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
type WithRange = { Params: { id: string }; Querystring: { range: Range } };
type WithMonth = { Params: { id: string }; Querystring: { month?: string } };

function metricsOf(ctx: AppContext): MetricsFeature {
  if (!ctx.metrics) throw new AppError('NOT_FOUND', 'Metrics are not enabled in this Berth.');
  return ctx.metrics;
}

export async function metricsApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.addSchema(metricSeriesSchema);
  app.addSchema(usageSchema);
  const series = { 200: { $ref: 'MetricSeries#' }, ...errorResponses };

  app.get<WithRange>(
    '/services/:id/metrics',
    {
      config: can('project.read', 'service'),
      schema: {
        tags,
        summary: "A service's CPU, memory, network and disk over a range",
        security: bearerSecurity,
        params: idParams,
        querystring: rangeQuery,
        response: series,
      },
    },
    async (request) => {
      const metrics = metricsOf(ctx);
      const service = await metrics.service.requireService(request.params.id);
      return metrics.service.series([service.serviceId], request.query.range);
    },
  );

  app.get<WithRange>(
    '/projects/:id/metrics',
    {
      config: can('project.read', 'project'),
      schema: {
        tags,
        summary: "A project's services added up, over a range",
        security: bearerSecurity,
        params: idParams,
        querystring: rangeQuery,
        response: series,
      },
    },
    async (request) => {
      const metrics = metricsOf(ctx);
      await ctx.projects.get(request.params.id);
      const services = await metrics.service.projectServices(request.params.id);
      return metrics.service.series(
        services.map((s) => s.serviceId),
        request.query.range,
      );
    },
  );

  app.get<{ Querystring: { range: Range } }>(
    '/server/metrics',
    {
      config: can('server.admin'),
      schema: {
        tags,
        summary: "The host's CPU, memory and data-dir disk over a range (admin)",
        security: bearerSecurity,
        querystring: rangeQuery,
        response: { ...series, 403: { $ref: 'Error#' } },
      },
    },
    async (request) => {
      return metricsOf(ctx).service.serverSeries(request.query.range);
    },
  );

  app.get<WithMonth>(
    '/projects/:id/usage',
    {
      config: can('project.read', 'project'),
      schema: {
        tags,
        summary: 'Usage per service over a calendar month: CPU-hours, memory GB-hours, traffic, disk',
        security: bearerSecurity,
        params: idParams,
        querystring: monthQuery,
        response: { 200: { $ref: 'ProjectUsage#' }, ...errorResponses },
      },
    },
    async (request) => {
      await ctx.projects.get(request.params.id);
      return metricsOf(ctx).service.usage(request.params.id, request.query.month ?? currentMonth(Date.now()));
    },
  );

  app.get<WithMonth>(
    '/projects/:id/usage.csv',
    {
      config: can('project.read', 'project'),
      schema: {
        tags,
        summary: 'The same usage as CSV',
        security: bearerSecurity,
        params: idParams,
        querystring: monthQuery,
        produces: ['text/csv'],
        response: { 200: { type: 'string' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await ctx.projects.get(request.params.id);
      const usage = await metricsOf(ctx).service.usage(project.id, request.query.month ?? currentMonth(Date.now()));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="usage-${project.name}-${usage.month}.csv"`)
        .send(usageCsv(usage.month, usage.lines));
    },
  );
}

/** GET /metrics in Prometheus' text format (outside /api/v1, where Prometheus looks by default). */
export async function prometheusRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/metrics',
    {
      config: can('server.admin'),
      schema: {
        tags,
        summary: 'Per-service resource series for Prometheus (admin token as Bearer)',
        security: bearerSecurity,
        produces: ['text/plain'],
        response: { 200: { type: 'string' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' } },
      },
    },
    async (request, reply) => {
      const { sampler } = metricsOf(ctx);
      return reply
        .type('text/plain; version=0.0.4; charset=utf-8')
        .send(prometheusText(sampler.containers(), sampler.latestHost()));
    },
  );
}
