/** The panel page of the signed-in user's SSH keys (for git push over SSH): add with a name, list, delete. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../../../errors.js';
import { statusOf } from '../../plugins/error-handler.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;

export async function sshKeysUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const csrf = { preValidation: app.csrfProtection };

  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const host = new URL(ctx.config.publicUrl).hostname;
    await reply.page(
      'ssh-keys',
      {
        title: 'SSH keys',
        keys: await ctx.sshKeys.list(request.user!.id),
        sshExample:
          ctx.config.sshPort === null ? null : `ssh://git@${host}:${ctx.config.sshPort}/<project>/<service>.git`,
        ...extra,
      },
      status,
    );
  };

  app.get('/ssh-keys', { config: can('account'), schema: hidden }, async (request, reply) => show(request, reply));

  app.post<{ Body: { name?: string; publicKey?: string } }>(
    '/ssh-keys',
    {
      config: can('account'),
      ...csrf,
      schema: {
        ...hidden,
        body: {
          type: 'object',
          properties: { name: { type: 'string' }, publicKey: { type: 'string' }, _csrf: { type: 'string' } },
        },
      },
    },
    async (request, reply) => {
      try {
        const key = await ctx.sshKeys.add(request.user!.id, request.body.name, request.body.publicKey);
        reply.flash('success', `Key "${key.name}" added (${key.fingerprint}).`);
        return show(request, reply);
      } catch (error) {
        if (!isAppError(error) || !['VALIDATION_FAILED', 'CONFLICT'].includes(error.code)) throw error;
        return show(request, reply, { error: error.message, form: request.body }, statusOf(error.code));
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/ssh-keys/:id/delete',
    {
      config: can('account'),
      ...csrf,
      schema: {
        ...hidden,
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^key_[0-9a-z]{1,40}$' } },
        },
      },
    },
    async (request, reply) => {
      await ctx.sshKeys.remove(request.user!.id, request.params.id);
      reply.flash('success', 'Key deleted.');
      return show(request, reply);
    },
  );
}
