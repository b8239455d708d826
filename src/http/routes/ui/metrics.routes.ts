/**
 * The panel's metrics: a Metrics section on the service, project and server pages (loaded by htmx, with a
 * range switch), the project's usage table for a month, and its CSV download.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../../errors.js';
import { formatBytes } from '../../../metrics/chart-svg.js';
import type { MetricsFeature } from '../../../metrics/metrics-feature.js';
import { chartViews, type ChartView } from '../../../metrics/metrics-view.js';
import { currentMonth, type SeriesResult } from '../../../metrics/metrics.service.js';
import { RANGES, type Range } from '../../../metrics/metrics.types.js';
import { usageCsv } from '../../../metrics/usage-csv.js';
import { trafficChartViews } from '../../../traffic/traffic-charts.js';
import type { AppContext } from '../../context.js';
import { isPageRequest } from '../../htmx.js';
import { renderServicePage } from './services.routes.js';
import { monthQuery, rangeQuery } from '../api/metrics-schemas.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
type WithRange = { Params: { id: string }; Querystring: { range: Range } };

function metricsOf(ctx: AppContext): MetricsFeature {
  if (!ctx.metrics) throw new AppError('NOT_FOUND', 'Metrics are not enabled in this Berth.');
  return ctx.metrics;
}

export async function metricsUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const section = (
    reply: FastifyReply,
    heading: string,
    baseUrl: string,
    result: SeriesResult,
    extra: Record<string, unknown> = {},
  ) =>
    reply.page('metrics-section', {
      title: heading,
      heading,
      baseUrl,
      range: result.range,
      ranges: RANGES,
      ...extra,
      charts: [...chartViews(result, { disk: extra.disk === true }), ...((extra.charts as ChartView[]) ?? [])],
    });

  app.get<WithRange>(
    '/services/:id/metrics',
    { config: can('project.read', 'service'), schema: { ...hidden, params: idParams, querystring: rangeQuery } },
    async (request, reply) => {
      // An app's Metrics tab (a page, or the main area for the tab bar); a database's metrics stay a page of their own.
      if (isPageRequest(request) && (await ctx.deploys.findService(request.params.id))) {
        return renderServicePage(reply, ctx, request.params.id, { tab: 'metrics', metricsRange: request.query.range });
      }
      const metrics = metricsOf(ctx);
      const service = await metrics.service.requireService(request.params.id);
      const result = await metrics.service.series([service.serviceId], request.query.range);
      await section(reply, `Metrics of ${service.serviceName}`, `/services/${service.serviceId}/metrics`, result, {
        backUrl: service.kind === 'app' ? `/services/${service.serviceId}` : `/databases/${service.serviceId}`,
      });
    },
  );

  app.get<WithRange>(
    '/projects/:id/metrics',
    { config: can('project.read', 'project'), schema: { ...hidden, params: idParams, querystring: rangeQuery } },
    async (request, reply) => {
      const metrics = metricsOf(ctx);
      const project = await ctx.projects.get(request.params.id);
      const services = await metrics.service.projectServices(project.id);
      const result = await metrics.service.series(
        services.map((s) => s.serviceId),
        request.query.range,
      );
      // The project's HTTP traffic (all its services summed) over the same range, from Berth's proxy.
      const traffic = ctx.traffic
        ? await ctx.traffic.series(
            services.map((s) => s.serviceId),
            result.range,
          )
        : null;
      await section(reply, `Metrics of ${project.name}`, `/projects/${project.id}/metrics`, result, {
        backUrl: `/projects/${project.id}`,
        usageUrl: `/projects/${project.id}/usage`,
        charts: traffic ? trafficChartViews(traffic) : [],
      });
    },
  );

  app.get<{ Querystring: { range: Range } }>(
    '/server/metrics',
    { config: can('server.admin'), schema: { ...hidden, querystring: rangeQuery } },
    async (request, reply) => {
      const result = await metricsOf(ctx).service.serverSeries(request.query.range);
      await section(reply, 'Server metrics', '/server/metrics', result, { backUrl: '/server', disk: true });
    },
  );

  app.get<{ Params: { id: string }; Querystring: { month?: string } }>(
    '/projects/:id/usage',
    { config: can('project.read', 'project'), schema: { ...hidden, params: idParams, querystring: monthQuery } },
    async (request, reply) => {
      const project = await ctx.projects.get(request.params.id);
      const usage = await metricsOf(ctx).service.usage(project.id, request.query.month ?? currentMonth(Date.now()));
      await reply.page('project-usage', {
        title: `Usage of ${project.name} · ${usage.month}`,
        project,
        usage,
        formatBytes,
        csvUrl: `/projects/${project.id}/usage.csv?month=${usage.month}`,
      });
    },
  );

  app.get<{ Params: { id: string }; Querystring: { month?: string } }>(
    '/projects/:id/usage.csv',
    { config: can('project.read', 'project'), schema: { ...hidden, params: idParams, querystring: monthQuery } },
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
