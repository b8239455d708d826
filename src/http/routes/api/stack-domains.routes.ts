/** JSON API of a compose stack's custom domains (Bearer token auth): list, add, remove (the undo). */
import type { FastifyInstance } from 'fastify';
import { toDomainView } from '../../../domains/domain-view.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { httpsOf } from './domains.routes.js';
import { bearerSecurity, emptyBodyAsObject, errorResponses } from './schemas.js';
import { idParams } from './stack-schemas.js';

const tags = ['stacks'];
const domainList = { type: 'array', items: { $ref: 'Domain#' } } as const;
const stackDomainParams = {
  type: 'object',
  required: ['id', 'domainId'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    domainId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
  },
} as const;
const addBody = {
  type: 'object',
  required: ['hostname'],
  additionalProperties: false,
  properties: { hostname: { type: 'string', minLength: 1, maxLength: 300 } },
  examples: [{ hostname: 'wiki.example.com' }],
} as const;

export async function stackDomainsApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const schema = (summary: string, extra: Record<string, unknown>) => ({
    tags,
    summary,
    security: bearerSecurity,
    ...extra,
  });

  app.get<{ Params: { id: string } }>(
    '/stacks/:id/domains',
    {
      config: can('project.read', 'stack'),
      schema: schema("A stack's custom domains with their certificate status", {
        params: idParams,
        response: { 200: domainList, ...errorResponses },
      }),
    },
    async (request) => {
      const https = httpsOf(ctx);
      const domains = await https.stackDomains.list(request.params.id);
      return Promise.all(domains.map((d) => toDomainView(https, d)));
    },
  );

  app.post<{ Params: { id: string }; Body: { hostname: string } }>(
    '/stacks/:id/domains',
    {
      config: can('project.deploy', 'stack'),
      schema: schema("Add a custom domain to the stack's routed service; its certificate is ordered at once", {
        description:
          'Same rules as an app service’s domain: 422 for a name Berth cannot serve or one under the apps domain, 409 HOSTNAME_TAKEN when a service, another stack or the panel has it.',
        params: idParams,
        body: addBody,
        response: { 201: { $ref: 'Domain#' }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      const https = httpsOf(ctx);
      const added = await https.stackDomains.add(request.params.id, request.body);
      request.log.info({ stackId: request.params.id, hostname: added.hostname }, 'stack domain added');
      return reply.status(201).send(await toDomainView(https, added));
    },
  );

  app.delete<{ Params: { id: string; domainId: string } }>(
    '/stacks/:id/domains/:domainId',
    {
      config: can('project.deploy', 'stack'),
      preValidation: emptyBodyAsObject,
      schema: schema('Remove a custom domain of the stack; it stops routing at once', {
        params: stackDomainParams,
        response: { 204: { type: 'null', description: 'Removed' }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      const removed = await httpsOf(ctx).stackDomains.remove(request.params.id, request.params.domainId);
      request.log.info({ stackId: request.params.id, hostname: removed }, 'stack domain removed');
      return reply.status(204).send();
    },
  );
}
