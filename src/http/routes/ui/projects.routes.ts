/**
 * Panel pages for projects: the list with its "New project" form, one project with its service cards,
 * and the "New service" form. Forms re-render with their errors (400/409) in place; success redirects.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../../errors.js';
import { NEW_SERVICE_FORM, newServiceFromForm, type FormFields } from '../../../projects/service-form.js';
import { ENGINES, ENGINE_NAMES } from '../../../databases/engines/index.js';
import { appTile, databaseTileStatus, projectCanvas } from './project-canvas.js';
import type { AppContext } from '../../context.js';
import { isHtmx } from '../../htmx.js';
import { asFormError, credentialsFromForm, DELETE_FORM_ERRORS, formBody, renderFormError } from './forms.js';
import { idParams } from '../api/project-schemas.js';
import { can } from '../../route-access.js';
import { visibleProjectList } from '../../visibility.js';

const hidden = { hide: true } as const;
const ENGINE_CHOICES = ENGINE_NAMES.map((name) => ({ name, label: ENGINES[name].label }));
const tileParams = {
  type: 'object',
  required: ['id', 'databaseId'],
  properties: { id: idParams.properties.id, databaseId: idParams.properties.id },
} as const;

export async function projectsUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const projectsPage = async (request: FastifyRequest) => ({
    title: 'Projects',
    projects: await visibleProjectList(ctx, request),
  });

  // The canvas (tiles, status words, connections); the apps' domains say what a delete takes offline.
  const projectPage = async (id: string, environment?: string) => {
    const canvas = await projectCanvas(ctx, id, environment);
    const shared = await ctx.environments.shared.list(id);
    const [previews, previewSettings] = await Promise.all([ctx.previews.list(id), ctx.previews.settings(id)]);
    return { title: canvas.project.name, ...canvas, shared, engines: ENGINE_CHOICES, previews, previewSettings };
  };

  app.get('/projects', { config: can('signed-in'), schema: hidden }, async (request, reply) => {
    await reply.page('dashboard', await projectsPage(request));
  });

  app.post<{ Body: { name: string } }>(
    '/projects',
    // After body parsing, so the form's _csrf field is readable.
    {
      config: can('server.admin'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, body: formBody(['name'], ['name']) },
    },
    async (request, reply) => {
      try {
        const project = await ctx.projects.create(request.body.name);
        request.log.info({ projectId: project.id }, 'project created');
        reply.flash('success', `Project "${project.name}" created. Add a service to deploy something.`);
        await reply.redirect(`/projects/${project.id}`, 303);
      } catch (error) {
        const formError = asFormError(error);
        if (!formError) throw error;
        await renderFormError(
          reply,
          'dashboard',
          { ...(await projectsPage(request)), name: request.body.name },
          formError,
        );
      }
    },
  );

  app.get<{ Params: { id: string }; Querystring: { env?: string } }>(
    '/projects/:id',
    {
      config: can('project.read', 'project'),
      schema: {
        ...hidden,
        params: idParams,
        querystring: { type: 'object', properties: { env: { type: 'string', maxLength: 63 } } },
      },
    },
    async (request, reply) => {
      const page = await projectPage(request.params.id, request.query.env);
      await reply.page('project', { ...page, form: NEW_SERVICE_FORM });
    },
  );

  // Fragments the canvas fetches again when the live stream says a tile changed.
  app.get<{ Params: { id: string } }>(
    '/projects/:id/kubernetes.yaml',
    { config: can('project.deploy', 'project'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      const manifests = await ctx.deploys.kubernetesManifests(request.params.id, ctx.version);
      return reply
        .type('application/yaml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${manifests.fileName}"`)
        .header('cache-control', 'no-store')
        .send(manifests.yaml);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/services/:id/tile',
    { config: can('project.read', 'service'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      if (!isHtmx(request)) return reply.redirect(`/services/${request.params.id}`, 303);
      await reply.page('project-tile-app', { tile: await appTile(ctx, request.params.id) });
    },
  );

  app.get<{ Params: { id: string; databaseId: string } }>(
    '/projects/:id/databases/:databaseId/tile',
    // The tile's own database decides (a database of another project named here must not be shown).
    { config: can('project.read', 'database', 'databaseId'), schema: { ...hidden, params: tileParams } },
    async (request, reply) => {
      if (!isHtmx(request)) return reply.redirect(`/projects/${request.params.id}`, 303);
      const database = await ctx.databases.databases.view(request.params.databaseId);
      if (database.projectId !== request.params.id)
        throw new AppError('NOT_FOUND', 'No such database in this project.');
      await reply.page('project-tile-database', {
        database: { ...database, tileStatus: databaseTileStatus(database) },
      });
    },
  );

  app.post<{ Params: { id: string }; Body: FormFields }>(
    '/projects/:id/services',
    {
      config: can('project.admin', 'project'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        params: idParams,
        body: formBody(
          ['name', 'sourceType'],
          [
            'name',
            'sourceType',
            'gitUrl',
            'branch',
            'image',
            'gitToken',
            'gitUsername',
            'sshPrivateKey',
            'environment',
          ],
        ),
      },
    },
    async (request, reply) => {
      const project = await ctx.projects.get(request.params.id);
      try {
        const input = { ...newServiceFromForm(request.body), environment: request.body.environment || undefined };
        const credentials = credentialsFromForm(request.body);
        if (credentials !== undefined) input.source = { ...(input.source as object), credentials };
        const service = await ctx.projects.createService(project.id, input);
        request.log.info({ projectId: project.id, serviceId: service.id }, 'service created');
        reply.flash('success', `Service "${service.name}" created. Check its settings and variables, then deploy.`);
        await reply.redirect(`/services/${service.id}`, 303);
      } catch (error) {
        const formError = asFormError(error);
        if (!formError) throw error;
        // Secrets are never echoed back into the form.
        const { gitToken: _token, sshPrivateKey: _key, ...form } = request.body;
        const data = { ...(await projectPage(project.id, request.body.environment)), form, failedForm: 'service' };
        await renderFormError(reply, 'project', data, formError);
      }
    },
  );

  app.post<{ Params: { id: string }; Body: { confirm?: string; deleteVolumes?: string | string[] } }>(
    '/projects/:id/delete',
    {
      config: can('project.admin', 'project'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        params: idParams,
        body: {
          type: 'object',
          properties: {
            _csrf: { type: 'string' },
            confirm: { type: 'string', maxLength: 200 },
            // One ticked box arrives as a string, several as a list.
            deleteVolumes: {
              anyOf: [
                { type: 'string', maxLength: 200 },
                { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 200 } },
              ],
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { confirm, deleteVolumes } = request.body;
      try {
        const { project, report } = await ctx.lifecycle.deleteProject(request.params.id, {
          confirm,
          deleteVolumes: typeof deleteVolumes === 'string' ? [deleteVolumes] : (deleteVolumes ?? []),
        });
        reply.flash('success', `Project "${project.name}" deleted: ${report.steps.join('; ')}.`);
        if (report.warnings.length > 0) reply.flash('error', `Not done: ${report.warnings.join('; ')}.`);
        await reply.redirect('/projects', 303);
      } catch (error) {
        if (!isAppError(error) || !DELETE_FORM_ERRORS.has(error.code)) throw error;
        const data = { ...(await projectPage(request.params.id)), form: NEW_SERVICE_FORM, failedForm: 'delete' };
        await renderFormError(reply, 'project', data, error);
      }
    },
  );
}
