/**
 * The approve page of `berth login` (src/auth/cli-logins.ts): a signed-in user (any role: the token is
 * their own, capped by their own access) sees the code and the host the CLI named, and approves or denies.
 * Not signed in: the panel's guard sends them to the login page and back here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../../../errors.js';
import { statusOf } from '../../plugins/error-handler.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
const codeBody = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: { type: 'string', maxLength: 20 }, _csrf: { type: 'string' } },
} as const;

export async function cliApproveUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const show = async (reply: FastifyReply, data: Record<string, unknown>, status = 200) =>
    reply.page('cli-approve', { title: 'Approve CLI login', ...data }, status);

  app.get<{ Querystring: { code?: string } }>(
    '/cli/approve',
    {
      config: can('account'),
      schema: {
        ...hidden,
        querystring: { type: 'object', properties: { code: { type: 'string', maxLength: 20 } } },
      },
    },
    async (request, reply) => {
      const code = request.query.code ?? '';
      const pending = code ? ctx.cliLogins.find(code) : undefined;
      return show(reply, {
        code,
        pending,
        error: code && !pending ? 'No pending login with this code: it expired or was used.' : undefined,
      });
    },
  );

  const decide = (decision: 'approve' | 'deny') => async (request: FastifyRequest, reply: FastifyReply) => {
    const { code } = request.body as { code: string };
    const user = request.user!;
    try {
      if (decision === 'approve') {
        const done = await ctx.cliLogins.approve(code, user.id);
        request.log.info({ host: done.host }, 'cli login approved');
        return show(reply, {
          done: `Approved: the CLI on ${done.host} is now signed in as ${user.email} (token "${done.tokenName}"). You can close this page.`,
        });
      }
      const done = ctx.cliLogins.deny(code);
      request.log.info({ host: done.host }, 'cli login denied');
      return show(reply, { done: `Denied: the CLI on ${done.host} was not signed in.` });
    } catch (error) {
      if (!isAppError(error) || !['NOT_FOUND', 'VALIDATION_FAILED'].includes(error.code)) throw error;
      return show(reply, { code, error: error.message }, statusOf(error.code));
    }
  };

  for (const decision of ['approve', 'deny'] as const)
    app.post(
      `/cli/${decision}`,
      { config: can('account'), preValidation: app.csrfProtection, schema: { ...hidden, body: codeBody } },
      decide(decision),
    );
}
