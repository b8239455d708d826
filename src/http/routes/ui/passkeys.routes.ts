/**
 * Passkeys on the account page: the two steps of adding one (options for navigator.credentials.create(),
 * then the browser's answer with the name the user gave it; public/js/passkeys.js runs the ceremony), and
 * forms to rename and remove one. Adding a passkey satisfies "require two-factor" like an authenticator app.
 */
import type { FastifyInstance } from 'fastify';
import type { RegistrationResponseJSON } from '../../../auth/webauthn.js';
import { PASSKEY_NAME_MAX } from '../../../auth/passkeys.service.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { renderAccount, renderAccountError } from './account-page.js';
import { registrationCredential } from './passkey-schemas.js';

const hidden = { hide: true } as const;
const csrfOnly = { type: 'object', properties: { _csrf: { type: 'string' } } } as const;
const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^pk_[0-9a-z]{12}$' } },
} as const;
const nameField = { type: 'string', maxLength: PASSKEY_NAME_MAX * 4 } as const;

export async function passkeysRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post(
    '/account/passkeys/options',
    { config: can('account'), preValidation: app.csrfProtection, schema: { ...hidden, body: csrfOnly } },
    async (request) => {
      const { challengeId, options } = await ctx.passkeys.startRegistration(request.user!.id);
      request.session.set('passkeyRegistration', challengeId);
      return { options };
    },
  );

  app.post<{ Body: { name: string; credential: RegistrationResponseJSON } }>(
    '/account/passkeys',
    {
      config: can('account'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        body: {
          type: 'object',
          required: ['name', 'credential'],
          properties: { name: nameField, credential: registrationCredential, _csrf: { type: 'string' } },
        },
      },
    },
    async (request, reply) => {
      const challengeId = request.session.get('passkeyRegistration');
      request.session.set('passkeyRegistration', undefined);
      const passkey = await ctx.passkeys.finishRegistration(
        request.user!.id,
        challengeId,
        request.body.credential,
        request.body.name,
      );
      // A passkey is a second factor: "require two-factor" is satisfied.
      request.session.set('mustEnrolTwoFactor', undefined);
      request.log.info({ userId: request.user!.id, passkeyId: passkey.id }, 'passkey added');
      reply.flash('success', `Passkey “${passkey.name}” added.`);
      return reply.code(201).send({ passkey: { id: passkey.id, name: passkey.name } });
    },
  );

  app.post<{ Params: { id: string }; Body: { name: string } }>(
    '/account/passkeys/:id/rename',
    {
      config: can('account'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        params: idParams,
        body: { type: 'object', required: ['name'], properties: { name: nameField, _csrf: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      try {
        await ctx.passkeys.rename(request.user!.id, request.params.id, request.body.name);
        reply.flash('success', 'Passkey renamed.');
        await renderAccount(ctx, request, reply);
      } catch (error) {
        await renderAccountError(ctx, request, reply, error);
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/account/passkeys/:id/remove',
    {
      config: can('account'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: csrfOnly },
    },
    async (request, reply) => {
      try {
        const userId = request.user!.id;
        await ctx.passkeys.remove(userId, request.params.id);
        reply.flash('success', 'Passkey removed.');
        await renderAccount(ctx, request, reply);
      } catch (error) {
        await renderAccountError(ctx, request, reply, error);
      }
    },
  );
}
