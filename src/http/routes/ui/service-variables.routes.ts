/**
 * The variables editor on the service page: add or change one variable, paste a .env file, delete, mark
 * a variable secret (deployment logs redact it), and reveal one value on request (lists only ever show
 * keys). Values never reach the log.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError, type AppError } from '../../../errors.js';
import { statusOf } from '../../plugins/error-handler.js';
import { dotenvToObject, parseDotenv } from '../../../projects/dotenv.js';
import { textareaValue } from '../../../projects/service-form.js';
import type { AppContext } from '../../context.js';
import { idParams } from '../api/project-schemas.js';
import { asFormError, formBody } from './forms.js';
import { answerTabForm, renderServicePage } from './services.routes.js';
import { isHtmx } from '../../htmx.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;

export async function serviceVariablesUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // A bad `${{service.VAR}}` reference is the person's to fix: shown beside the form, with what was typed.
  const asVariableFormError = (error: unknown) =>
    asFormError(error) ?? (isAppError(error) && error.code === 'VARIABLE_REFERENCE_INVALID' ? error : undefined);
  const answer = (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Record<string, unknown> & { notice?: string; error?: string },
    status = 200,
  ) => answerTabForm(request, reply, ctx, id, 'variables', extra, status);
  const failure = (error: AppError, failedForm: string) => ({
    error: error.message,
    errors: error.details ?? {},
    failedForm,
  });

  app.get<{ Params: { id: string } }>(
    '/services/:id/variables',
    { config: can('project.read', 'service'), schema: { ...hidden, params: idParams } },
    async (request, reply) => renderServicePage(reply, ctx, request.params.id, { tab: 'variables' }),
  );

  app.post<{ Params: { id: string }; Body: { key: string; value?: string; secret?: string } }>(
    '/services/:id/variables',
    {
      config: can('project.deploy', 'service'),
      // After body parsing, so the form's _csrf field is readable.
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody(['key'], ['key', 'value', 'secret']) },
    },
    async (request, reply) => {
      const { id } = request.params;
      const key = request.body.key.trim();
      const secret = request.body.secret === 'on';
      try {
        await ctx.variables.set(id, [[key, { value: textareaValue(request.body.value), secret }]]);
        request.log.info({ serviceId: id, keys: [key] }, 'variable set');
        const notice = `Variable ${key} saved. Deploy again to pass it to the app.`;
        await answer(request, reply, id, { notice, noticeFor: 'variable' });
      } catch (error) {
        const formError = asVariableFormError(error);
        if (!formError) throw error;
        const variableForm = { key, value: request.body.value ?? '', secret };
        await answer(request, reply, id, { variableForm, ...failure(formError, 'variable') }, statusOf(formError.code));
      }
    },
  );

  app.post<{ Params: { id: string }; Body: { dotenv: string; replace?: string } }>(
    '/services/:id/variables/import',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody(['dotenv'], ['dotenv', 'replace']) },
    },
    async (request, reply) => {
      const { id } = request.params;
      const isReplace = request.body.replace === 'on';
      try {
        await ctx.projects.getService(id);
        const variables = dotenvToObject(parseDotenv(request.body.dotenv));
        const keys = Object.keys(variables);
        if (isReplace) await ctx.variables.replace(id, variables);
        else await ctx.variables.set(id, Object.entries(variables));
        request.log.info({ serviceId: id, keys, isReplace }, 'variables imported');
        const count = keys.length === 1 ? '1 variable' : `${keys.length} variables`;
        const what = isReplace ? `Variables replaced by the ${count} from the .env` : `${count} saved`;
        await answer(request, reply, id, {
          notice: `${what}. Deploy again to pass them to the app.`,
          noticeFor: 'dotenv',
        });
      } catch (error) {
        const formError = asVariableFormError(error);
        if (!formError) throw error;
        const dotenvForm = { dotenv: request.body.dotenv, isReplace };
        await answer(request, reply, id, { dotenvForm, ...failure(formError, 'dotenv') }, statusOf(formError.code));
      }
    },
  );

  app.post<{ Params: { id: string }; Body: { key: string } }>(
    '/services/:id/variables/delete',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody(['key'], ['key']) },
    },
    async (request, reply) => {
      const { id } = request.params;
      await ctx.variables.remove(id, request.body.key);
      request.log.info({ serviceId: id, keys: [request.body.key] }, 'variable deleted');
      const notice = `Variable ${request.body.key} deleted. Deploy again to remove it from the app.`;
      await answer(request, reply, id, { notice, noticeFor: 'variable' });
    },
  );

  app.post<{ Params: { id: string }; Body: { key: string; secret?: string } }>(
    '/services/:id/variables/secret',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody(['key'], ['key', 'secret']) },
    },
    async (request, reply) => {
      const { id } = request.params;
      const secret = request.body.secret === 'on';
      await ctx.variables.markSecret(id, request.body.key, secret);
      request.log.info({ serviceId: id, keys: [request.body.key], secret }, 'variable secret flag set');
      const what = secret ? 'secret: deployment logs hide its value' : 'plain: deployment logs show its value';
      await answer(request, reply, id, { notice: `Variable ${request.body.key} is ${what}.`, noticeFor: 'variable' });
    },
  );

  app.post<{ Params: { id: string }; Body: { key: string } }>(
    '/services/:id/variables/reveal',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody(['key'], ['key']) },
    },
    async (request, reply) => {
      const { id } = request.params;
      const key = request.body.key;
      const value = await ctx.variables.reveal(id, key);
      reply.header('cache-control', 'no-store');
      // htmx swaps just the row; without JavaScript the whole page comes back with the value shown.
      if (isHtmx(request)) {
        const secret = (await ctx.variables.listKeys(id)).find((v) => v.key === key)?.secret ?? false;
        await reply.page('service-variable', { serviceId: id, variable: { key, secret }, revealed: { key, value } });
      } else {
        await renderServicePage(reply, ctx, id, { revealed: { key, value }, tab: 'variables' });
      }
    },
  );
}
