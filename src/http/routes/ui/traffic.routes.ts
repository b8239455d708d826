/**
 * Panel views of a service's HTTP traffic (from Berth's proxy) and kept runtime logs: the metrics summary
 * with its range switch, the request log with filters, past deployments' runtime logs with a search box and
 * a stream filter,
 * and the log download. htmx loads each as a fragment into the service and logs pages.
 */
import type { FastifyInstance } from 'fastify';
import { isAppError } from '../../../errors.js';
import {
  KEPT_STREAM_FILTERS,
  formatLine,
  parseStreamFilter,
  type KeptLogs,
} from '../../../kept-logs/kept-logs.service.js';
import {
  REQUEST_LOG_METHODS,
  parseRequestLogQuery,
  type RequestLogQueryInput,
} from '../../../traffic/request-log-query.js';
import { trafficChartViews } from '../../../traffic/traffic-charts.js';
import { TRAFFIC_RANGES, type TrafficRange } from '../../../traffic/traffic.service.js';
import type { AppContext } from '../../context.js';
import { sendKeptLog } from '../../kept-log-download.js';
import { serviceIdParams } from '../api/deployment-schemas.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
type WithId = { Params: { id: string } };
const RANGES = Object.keys(TRAFFIC_RANGES) as TrafficRange[];
const DEPLOYMENT_ID = /^dep_[0-9a-z]{1,40}$/;

export async function trafficUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const findService = (id: string) => ctx.deploys.requireService(id);

  app.get<WithId & { Querystring: { range?: string } }>(
    '/services/:id/traffic',
    { config: can('project.read', 'service'), schema: { ...hidden, params: serviceIdParams } },
    async (request, reply) => {
      const { service, project } = await findService(request.params.id);
      const range = RANGES.find((r) => r === request.query.range) ?? '1h';
      const series = ctx.traffic ? await ctx.traffic.series(service.id, range) : null;
      await reply.page('service-traffic', {
        title: `Traffic of ${service.name} · ${project.name}`,
        service,
        project,
        range,
        ranges: RANGES,
        series,
        charts: series ? trafficChartViews(series) : [],
      });
    },
  );

  app.get<WithId & { Querystring: RequestLogQueryInput }>(
    '/services/:id/requests',
    { config: can('project.read', 'service'), schema: { ...hidden, params: serviceIdParams } },
    async (request, reply) => {
      const { service, project } = await findService(request.params.id);
      const query = pick(request.query, ['from', 'to', 'status', 'method', 'path', 'minMs', 'limit']);
      let entries: Awaited<ReturnType<NonNullable<AppContext['traffic']>['requestLog']>> = [];
      let error: string | null = null;
      try {
        const filter = parseRequestLogQuery(service.id, query);
        entries = ctx.traffic ? await ctx.traffic.requestLog(filter) : [];
      } catch (caught) {
        if (!isAppError(caught) || caught.code !== 'VALIDATION_FAILED') throw caught;
        error = caught.message;
      }
      await reply.page('service-requests', {
        title: `Requests of ${service.name} · ${project.name}`,
        service,
        project,
        query,
        methods: REQUEST_LOG_METHODS,
        entries,
        error,
      });
    },
  );

  app.get<WithId & { Querystring: { deployment?: string; search?: string; stream?: string } }>(
    '/services/:id/logs/kept',
    { config: can('project.read', 'service'), schema: { ...hidden, params: serviceIdParams } },
    async (request, reply) => {
      const { service, project } = await findService(request.params.id);
      const kept = ctx.keptLogs;
      const deployments = kept ? await kept.deployments(service.id) : [];
      const wanted = request.query.deployment;
      const selected = deployments.find((d) => d.deploymentId === wanted) ?? deployments[0] ?? null;
      const search = (request.query.search ?? '').slice(0, 200);
      const stream = parseStreamFilter(request.query.stream) ?? 'all';
      const lines = kept && selected ? await kept.lines(selected.deploymentId, { search, stream }) : [];
      await reply.page('service-kept-logs', {
        title: `Kept logs of ${service.name} · ${project.name}`,
        service,
        project,
        deployments,
        selected,
        search,
        stream,
        streams: KEPT_STREAM_FILTERS,
        lines: lines.map(formatLine),
      });
    },
  );

  app.get<WithId & { Querystring: { deployment?: string; stream?: string } }>(
    '/services/:id/logs/download',
    { config: can('project.read', 'service'), schema: { ...hidden, params: serviceIdParams } },
    async (request, reply) => {
      const { service } = await findService(request.params.id);
      const deploymentId = request.query.deployment ?? '';
      const kept: KeptLogs | undefined = ctx.keptLogs;
      // Only a deployment of this service: the id in the URL is checked against its owner.
      if (!kept || !DEPLOYMENT_ID.test(deploymentId) || (await kept.serviceOf(deploymentId)) !== service.id) {
        return reply.code(404).type('text/plain').send('No kept log for that deployment of this service.');
      }
      const { stream } = request.query;
      return sendKeptLog(request, reply, kept, deploymentId, `${service.name}-${deploymentId}.log`, stream);
    },
  );
}

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>;
  for (const key of keys) if (typeof source[key] === 'string') picked[key] = source[key];
  return picked;
}
