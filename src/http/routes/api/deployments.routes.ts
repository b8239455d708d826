/** Deployments over the JSON API: start, read, follow logs, cancel, roll back. */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../errors.js';
import type { Deployment } from '../../../deploys/deployment.types.js';
import type { AppContext } from '../../context.js';
import {
  deployRequestBody,
  deploymentIdParams,
  rollbackRequestBody,
  serviceIdParams,
  sourcePlanSchema,
} from './deployment-schemas.js';
import { bearerSecurity, errorResponses } from './schemas.js';
import { can } from '../../route-access.js';

const one = { 200: { $ref: 'Deployment#' }, ...errorResponses };

export async function deploymentsApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const withUrl = async (d: Deployment) => ({ ...d, url: await ctx.deploys.urlOf(d.serviceId) });
  const requireService = async (serviceId: string) => {
    if (!(await ctx.deploys.findService(serviceId))) throw new AppError('NOT_FOUND', `No service ${serviceId}.`);
  };

  app.post<{ Params: { id: string }; Body: { source?: 'url' | 'push' } | null | undefined }>(
    '/services/:id/deployments',
    {
      config: can('project.deploy', 'service'),
      schema: {
        tags: ['deployments'],
        summary:
          "Deploy the service's source now (queued behind a running deployment of the same service); what it builds is what GET .../deployments/plan shows",
        security: bearerSecurity,
        params: serviceIdParams,
        body: deployRequestBody,
        response: { 201: { $ref: 'Deployment#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await requireService(request.params.id);
      const deployment = await ctx.deploys.deploy(request.params.id, 'api', request.apiCaller!.user.email, {
        source: request.body?.source,
      });
      return reply.status(201).send(await withUrl(deployment));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/services/:id/deployments/plan',
    {
      config: can('project.read', 'service'),
      schema: {
        tags: ['deployments'],
        summary: 'Which code a deploy of the service would build now (the commit, when it is known before the deploy)',
        security: bearerSecurity,
        params: serviceIdParams,
        response: { 200: sourcePlanSchema, ...errorResponses },
      },
    },
    async (request) => ctx.deploys.planFor(request.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/services/:id/deployments',
    {
      config: can('project.read', 'service'),
      schema: {
        tags: ['deployments'],
        summary: "The service's deployments, newest first",
        security: bearerSecurity,
        params: serviceIdParams,
        response: { 200: { type: 'array', items: { $ref: 'Deployment#' } }, ...errorResponses },
      },
    },
    async (request) => {
      await requireService(request.params.id);
      return Promise.all((await ctx.deploys.list(request.params.id)).map(withUrl));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/deployments/:id',
    {
      config: can('project.read', 'deployment'),
      schema: {
        tags: ['deployments'],
        summary: 'A deployment with its status and URL',
        security: bearerSecurity,
        params: deploymentIdParams,
        response: one,
      },
    },
    async (request) => ({
      ...(await withUrl(await ctx.deploys.get(request.params.id))),
      configFile: await ctx.deploys.configFileOfDeployment(request.params.id),
    }),
  );

  app.get<{ Params: { id: string }; Querystring: { follow?: boolean } }>(
    '/deployments/:id/logs',
    {
      config: can('project.read', 'deployment'),
      schema: {
        tags: ['deployments'],
        summary: 'Build and deploy log lines; with follow=true, a text/plain stream until the deployment ends',
        security: bearerSecurity,
        params: deploymentIdParams,
        querystring: { type: 'object', properties: { follow: { type: 'boolean' } } },
        response: {
          200: {
            type: 'object',
            required: ['lines', 'isLive'],
            properties: { lines: { type: 'array', items: { type: 'string' } }, isLive: { type: 'boolean' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const deployment = await ctx.deploys.get(request.params.id);
      if (!request.query.follow) {
        return { lines: await ctx.deploys.logs.read(deployment.id), isLive: ctx.deploys.logs.isLive(deployment.id) };
      }
      const aborted = new AbortController();
      request.raw.on('close', () => aborted.abort());
      reply.raw.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      await ctx.deploys.logs.follow(deployment.id, (line) => reply.raw.write(`${line}\n`), aborted.signal);
      reply.raw.end();
      return reply;
    },
  );

  app.post<{ Params: { id: string }; Body: { keepCurrentVariables?: boolean } | null | undefined }>(
    '/deployments/:id/rollback',
    {
      config: can('project.deploy', 'deployment'),
      schema: {
        tags: ['deployments'],
        summary:
          "Deploy this earlier deployment's image again, with the variables it ran with (or today's, with keepCurrentVariables)",
        security: bearerSecurity,
        params: deploymentIdParams,
        body: rollbackRequestBody,
        response: { 201: { $ref: 'Deployment#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const deployment = await ctx.deploys.rollback(request.params.id, request.apiCaller!.user.email, {
        keepCurrentVariables: request.body?.keepCurrentVariables === true,
      });
      return reply.status(201).send(await withUrl(deployment));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/deployments/:id/cancel',
    {
      config: can('project.deploy', 'deployment'),
      schema: {
        tags: ['deployments'],
        summary: 'Cancel a queued or running deployment',
        security: bearerSecurity,
        params: deploymentIdParams,
        response: one,
      },
    },
    async (request) => withUrl(await ctx.deploys.cancel(request.params.id)),
  );
}
