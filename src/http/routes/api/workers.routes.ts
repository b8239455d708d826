/** JSON API of worker processes (Procfile types beyond web): list them with their state, set replicas. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { bearerSecurity, errorResponses } from './schemas.js';

const id = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const serviceParams = { type: 'object', required: ['id'], properties: { id } } as const;
const processParams = {
  type: 'object',
  required: ['id', 'type'],
  properties: { id, type: { type: 'string', maxLength: 64 } },
} as const;

export const processSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', description: 'The Procfile process type (worker, clock, …)' },
    command: { type: 'string', description: 'Its Procfile command' },
    replicas: { type: 'integer', description: 'The chosen replica count (0 = off)' },
    running: { type: 'integer', description: 'How many of its containers run now' },
    state: { type: 'string', enum: ['running', 'starting', 'crashed', 'off'] },
  },
} as const;

const processListSchema = {
  type: 'object',
  properties: {
    activeDeploymentId: { type: ['string', 'null'] },
    processes: { type: 'array', items: processSchema },
  },
} as const;

const replicasBody = {
  type: 'object',
  required: ['replicas'],
  additionalProperties: false,
  properties: { replicas: { type: 'integer', description: '0 to 20; applied at once, no rebuild' } },
} as const;

export async function workersApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const schema = (summary: string, extra: Record<string, unknown>) => ({
    tags: ['workers'],
    summary,
    security: bearerSecurity,
    ...extra,
  });

  app.get<{ Params: { id: string } }>(
    '/services/:id/processes',
    {
      config: can('project.read', 'service'),
      schema: schema("The worker process types of the service's active release, with replicas and state", {
        params: serviceParams,
        response: { 200: processListSchema, ...errorResponses },
      }),
    },
    async (request) => ctx.workers.list(request.params.id),
  );

  app.patch<{ Params: { id: string; type: string }; Body: { replicas: unknown } }>(
    '/services/:id/processes/:type',
    {
      config: can('project.deploy', 'service'),
      schema: schema("Set a process type's replica count; its containers start or stop at once", {
        description:
          '422 VALIDATION_FAILED (details.replicas) unless 0..20; 404 NOT_FOUND when the active release has no such type.',
        params: processParams,
        body: replicasBody,
        response: { 200: processSchema, ...errorResponses },
      }),
    },
    async (request) => ctx.workers.setReplicas(request.params.id, request.params.type, request.body.replicas),
  );
}
