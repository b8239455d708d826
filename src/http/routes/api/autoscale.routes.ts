/** JSON API of autoscaling policies: read, set (create or replace) and delete a service's policy. */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { bearerSecurity, errorResponses } from './schemas.js';

const id = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const serviceParams = { type: 'object', required: ['id'], properties: { id } } as const;

export const policySchema = {
  type: 'object',
  properties: {
    serviceId: { type: 'string' },
    enabled: { type: 'boolean' },
    minReplicas: { type: 'integer' },
    maxReplicas: { type: 'integer' },
    metric: { type: 'string', enum: ['requests', 'cpu'] },
    target: { type: 'integer', description: 'requests: requests/s per replica; cpu: % of one core per replica' },
    cooldownSeconds: { type: 'integer' },
    lastScaledAt: { type: ['string', 'null'] },
    lastDecision: { type: ['string', 'null'], description: 'What the autoscaler last decided, in words' },
    updatedAt: { type: 'string' },
  },
} as const;

const policyBody = {
  type: 'object',
  required: ['minReplicas', 'maxReplicas', 'metric', 'target'],
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    minReplicas: { type: 'integer', description: '1 to 10' },
    maxReplicas: { type: 'integer', description: 'minReplicas to 10' },
    metric: { type: 'string', enum: ['requests', 'cpu'] },
    target: { type: 'integer', description: 'requests: 1 to 100000 per replica; cpu: 5 to 400 (% of one core)' },
    cooldownSeconds: { type: 'integer', description: '10 to 3600 (default 300)' },
  },
} as const;

export async function autoscaleApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const schema = (summary: string, extra: Record<string, unknown>) => ({
    tags: ['autoscaling'],
    summary,
    security: bearerSecurity,
    ...extra,
  });

  app.get<{ Params: { id: string } }>(
    '/services/:id/autoscaling',
    {
      config: can('project.read', 'service'),
      schema: schema("The service's autoscaling policy and the autoscaler's last decision", {
        description: '404 NOT_FOUND when the service has no policy.',
        params: serviceParams,
        response: { 200: policySchema, ...errorResponses },
      }),
    },
    async (request) => {
      await ctx.projects.getService(request.params.id);
      const policy = await ctx.autoscale.get(request.params.id);
      if (!policy) throw new AppError('NOT_FOUND', 'This service has no autoscaling policy.');
      return policy;
    },
  );

  app.put<{ Params: { id: string }; Body: unknown }>(
    '/services/:id/autoscaling',
    {
      config: can('project.deploy', 'service'),
      schema: schema('Create or replace the autoscaling policy', {
        description:
          'Replica changes run the active release with the new count (zero-downtime, no build). 422 ' +
          'VALIDATION_FAILED names each bad field; 409 CONFLICT when berth.json sets replicas or a volume is not shared.',
        params: serviceParams,
        body: policyBody,
        response: { 200: policySchema, ...errorResponses },
      }),
    },
    async (request) => {
      await ctx.projects.getService(request.params.id);
      return ctx.autoscale.put(request.params.id, request.body);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/services/:id/autoscaling',
    {
      config: can('project.deploy', 'service'),
      schema: schema('Stop autoscaling (the replica count stays where it is)', {
        params: serviceParams,
        response: { 204: { type: 'null' }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      await ctx.projects.getService(request.params.id);
      await ctx.autoscale.remove(request.params.id);
      return reply.code(204).send();
    },
  );
}
