/**
 * The Domains section of a stack's page: add a custom domain to the stack's routed service, remove one
 * (the undo). Both are forms (CSRF) that come back to the stack's page with what happened said.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { httpsOf } from '../api/domains.routes.js';
import { idParams } from '../api/stack-schemas.js';
import { formBody } from './forms.js';

const hidden = { hide: true } as const;
const domainParams = {
  type: 'object',
  required: ['id', 'domainId'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    domainId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
  },
} as const;

export async function stackDomainsUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const back = async (stackId: string, reply: FastifyReply, work: () => Promise<string>) => {
    try {
      reply.flash('success', await work());
    } catch (error) {
      if (!isAppError(error)) throw error;
      reply.flash('error', error.message);
    }
    return reply.redirect(`/stacks/${stackId}#stack-domains`, 303);
  };

  app.post<{ Params: { id: string }; Body: { hostname?: string } }>(
    '/stacks/:id/domains',
    {
      config: can('project.deploy', 'stack'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], ['hostname']) },
    },
    async (request, reply) =>
      back(request.params.id, reply, async () => {
        const added = await httpsOf(ctx).stackDomains.add(request.params.id, request.body);
        return `${added.hostname} added. It routes to the stack once it is deployed; point its DNS at this server for the certificate.`;
      }),
  );

  app.post<{ Params: { id: string; domainId: string } }>(
    '/stacks/:id/domains/:domainId/delete',
    {
      config: can('project.deploy', 'stack'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: domainParams, body: formBody([], []) },
    },
    async (request, reply) =>
      back(request.params.id, reply, async () => {
        const removed = await httpsOf(ctx).stackDomains.remove(request.params.id, request.params.domainId);
        return `${removed} removed; it no longer answers.`;
      }),
  );
}
