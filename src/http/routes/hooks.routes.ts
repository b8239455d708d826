/**
 * Public hook endpoints (no session, no API token: the signature or the hook token is the credential).
 *   POST /hooks/services/:id/git      webhooks of GitHub, GitLab, Gitea/Forgejo and Bitbucket
 *   POST /hooks/services/:id/deploy   the generic deploy hook for CI (?token=… or X-Berth-Token)
 * The JSON body is kept as raw bytes in this scope: signatures are computed over exactly what was sent.
 */
import type { FastifyInstance } from 'fastify';
import type { WebhookReceiver } from '../../webhooks/webhook-receiver.js';
import type { AppContext } from '../context.js';
import { serviceIdParams } from './api/deployment-schemas.js';
import { can } from '../route-access.js';

const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

export async function hooksRoutes(app: FastifyInstance, _ctx: AppContext, receiver: WebhookReceiver): Promise<void> {
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BYTES }, (_r, body, done) =>
    done(null, body),
  );

  app.post<{ Params: { id: string }; Body: Buffer | undefined }>(
    '/hooks/services/:id/git',
    { config: can('public'), schema: { hide: true, params: serviceIdParams }, bodyLimit: MAX_WEBHOOK_BYTES },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const result = await receiver.receiveGitEvent(request.params.id, request.headers, body);
      return reply.status(result.outcome === 'deployed' && !result.duplicate ? 202 : 200).send(result);
    },
  );

  app.post<{ Params: { id: string }; Querystring: { token?: string; commit?: string } }>(
    '/hooks/services/:id/deploy',
    {
      config: can('public'),
      schema: {
        hide: true,
        params: serviceIdParams,
        querystring: {
          type: 'object',
          properties: { token: { type: 'string', maxLength: 200 }, commit: { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (request, reply) => {
      const header = request.headers['x-berth-token'];
      const token = typeof header === 'string' ? header : request.query.token;
      const result = await receiver.receiveDeployHook(request.params.id, token, request.query.commit);
      return reply.status(202).send(result);
    },
  );
}
