/**
 * The variables editor on the service page: add or change one variable, paste a .env file, delete, and
 * reveal one value on request (lists only ever show keys). Values never reach the log.
 */
import type { FastifyInstance } from 'fastify';
import { dotenvToObject, parseDotenv } from '../../../projects/dotenv.js';
import { textareaValue } from '../../../projects/service-form.js';
import { getAppService } from '../../../projects/services.service.js';
import { deleteVariable, replaceVariables, revealVariable, setVariables } from '../../../projects/variables.service.js';
import type { AppContext } from '../../context.js';
import { makeRequireUser } from '../../plugins/auth-guards.js';
import { idParams } from '../api/project-schemas.js';
import { asFormError, formBody, renderFormError } from './forms.js';
import { renderServicePage, servicePageData } from './services.routes.js';

const hidden = { hide: true } as const;

export async function serviceVariablesUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.addHook('preHandler', makeRequireUser(ctx));

  const backToVariables = (id: string) => `/services/${id}#variables`;

  app.post<{ Params: { id: string }; Body: { key: string; value?: string } }>(
    '/services/:id/variables',
    {
      // After body parsing, so the form's _csrf field is readable.
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody(['key'], ['key', 'value']) },
    },
    async (request, reply) => {
      const { id } = request.params;
      const key = request.body.key.trim();
      try {
        await setVariables(ctx, id, [[key, textareaValue(request.body.value)]]);
        request.log.info({ serviceId: id, keys: [key] }, 'variable set');
        reply.flash('success', `Variable ${key} saved. Deploy again to pass it to the app.`);
        await reply.redirect(backToVariables(id), 303);
      } catch (error) {
        const formError = asFormError(error);
        if (!formError) throw error;
        const data = await servicePageData(ctx, id, { variableForm: { key, value: request.body.value ?? '' } });
        await renderFormError(reply, 'service', { ...data, failedForm: 'variable' }, formError);
      }
    },
  );

  app.post<{ Params: { id: string }; Body: { dotenv: string; replace?: string } }>(
    '/services/:id/variables/import',
    {
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody(['dotenv'], ['dotenv', 'replace']) },
    },
    async (request, reply) => {
      const { id } = request.params;
      const isReplace = request.body.replace === 'on';
      try {
        await getAppService(ctx.db, id);
        const variables = dotenvToObject(parseDotenv(request.body.dotenv));
        const keys = Object.keys(variables);
        if (isReplace) await replaceVariables(ctx, id, variables);
        else await setVariables(ctx, id, Object.entries(variables));
        request.log.info({ serviceId: id, keys, isReplace }, 'variables imported');
        const count = keys.length === 1 ? '1 variable' : `${keys.length} variables`;
        const what = isReplace ? `Variables replaced by the ${count} from the .env` : `${count} saved`;
        reply.flash('success', `${what}. Deploy again to pass them to the app.`);
        await reply.redirect(backToVariables(id), 303);
      } catch (error) {
        const formError = asFormError(error);
        if (!formError) throw error;
        const data = await servicePageData(ctx, id, { dotenvForm: { dotenv: request.body.dotenv, isReplace } });
        await renderFormError(reply, 'service', { ...data, failedForm: 'dotenv' }, formError);
      }
    },
  );

  app.post<{ Params: { id: string }; Body: { key: string } }>(
    '/services/:id/variables/delete',
    { preValidation: app.csrfProtection, schema: { ...hidden, params: idParams, body: formBody(['key'], ['key']) } },
    async (request, reply) => {
      const { id } = request.params;
      await deleteVariable(ctx, id, request.body.key);
      request.log.info({ serviceId: id, keys: [request.body.key] }, 'variable deleted');
      reply.flash('success', `Variable ${request.body.key} deleted. Deploy again to remove it from the app.`);
      await reply.redirect(backToVariables(id), 303);
    },
  );

  app.post<{ Params: { id: string }; Body: { key: string } }>(
    '/services/:id/variables/reveal',
    { preValidation: app.csrfProtection, schema: { ...hidden, params: idParams, body: formBody(['key'], ['key']) } },
    async (request, reply) => {
      const { id } = request.params;
      const key = request.body.key;
      const value = await revealVariable(ctx, id, key);
      reply.header('cache-control', 'no-store');
      // htmx swaps just the row; without JavaScript the whole page comes back with the value shown.
      if (request.headers['hx-request'] === 'true') {
        await reply.page('service-variable', { serviceId: id, variable: { key }, revealed: { key, value } });
      } else {
        await renderServicePage(reply, ctx, id, { revealed: { key, value } });
      }
    },
  );
}
