/** A service's live state over the JSON API: running, crashed (exit code, last lines) or not deployed. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { serviceIdParams } from './deployment-schemas.js';
import { bearerSecurity, errorResponses } from './schemas.js';
import { can } from '../../route-access.js';

const serviceStateSchema = {
  type: 'object',
  required: ['state', 'activeDeploymentId', 'deployingId', 'running', 'total', 'crash', 'problem'],
  properties: {
    state: {
      type: 'string',
      enum: ['not-deployed', 'running', 'crashed', 'unknown'],
      description:
        'crashed: a container of the active deployment stopped or is in its restart loop (the engine restarts it with back-off)',
    },
    activeDeploymentId: { type: ['string', 'null'] },
    deployingId: { type: ['string', 'null'], description: 'The deployment running right now, if any' },
    running: { type: 'integer', description: 'Containers of the active deployment that run' },
    total: { type: 'integer' },
    crash: {
      type: ['object', 'null'],
      required: ['replica', 'exitCode', 'restartCount', 'lastLines'],
      properties: {
        replica: { type: 'string' },
        exitCode: { type: ['integer', 'null'] },
        restartCount: { type: 'integer' },
        lastLines: { type: 'array', items: { type: 'string' }, description: 'Sanitised, variable values redacted' },
      },
    },
    problem: { type: ['string', 'null'], description: 'Why the state is unknown' },
  },
} as const;

export async function serviceStatusApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/services/:id/status',
    {
      config: can('project.read', 'service'),
      schema: {
        tags: ['deployments'],
        summary: "The service's live state: running, crashed (with exit code and last log lines) or not deployed",
        security: bearerSecurity,
        params: serviceIdParams,
        response: { 200: serviceStateSchema, ...errorResponses },
      },
    },
    async (request) => {
      await ctx.deploys.requireService(request.params.id);
      const state = await ctx.deploys.state(request.params.id);
      return { ...state, deployingId: ctx.deploys.queue.runningDeploymentOf(request.params.id) ?? null };
    },
  );
}
