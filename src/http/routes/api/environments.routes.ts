/**
 * JSON API of a project's environments (create, list, rename, duplicate, delete) and of its shared
 * variables (`${{shared.KEY}}`). Bearer token auth; the permission is checked before the body is read.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import {
  duplicateBody,
  duplicateResultSchema,
  environmentParams,
  environmentSchema,
  nameBody,
  sharedKeyParams,
  sharedKeysSchema,
} from './environment-schemas.js';
import { confirmBody, idParams } from './project-schemas.js';
import { bearerSecurity, emptyBodyAsObject, errorResponses } from './schemas.js';

const tags = ['environments'];
type EnvParams = { id: string; env: string };

export async function environmentsApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const schema = (summary: string, extra: Record<string, unknown>) => ({
    tags,
    summary,
    security: bearerSecurity,
    ...extra,
  });
  const { environments } = ctx;

  app.get<{ Params: { id: string } }>(
    '/projects/:id/environments',
    {
      config: can('project.read', 'project'),
      schema: schema("The project's environments, production first", {
        params: idParams,
        response: { 200: { type: 'array', items: environmentSchema }, ...errorResponses },
      }),
    },
    async (request) => environments.list(request.params.id),
  );

  app.post<{ Params: { id: string }; Body: { name?: unknown } }>(
    '/projects/:id/environments',
    {
      config: can('project.admin', 'project'),
      schema: schema('Create an empty environment', {
        description:
          '400 for a name that is not a DNS label or is reserved, 409 when the project has one by that name.',
        params: idParams,
        body: nameBody,
        response: { 201: environmentSchema, ...errorResponses },
      }),
    },
    async (request, reply) => reply.status(201).send(await environments.create(request.params.id, request.body)),
  );

  app.patch<{ Params: EnvParams; Body: { name?: unknown } }>(
    '/projects/:id/environments/:env',
    {
      config: can('project.admin', 'project'),
      schema: schema('Rename an empty environment (not production)', {
        params: environmentParams,
        body: nameBody,
        response: { 200: environmentSchema, ...errorResponses },
      }),
    },
    async (request) => environments.rename(request.params.id, request.params.env, request.body),
  );

  app.post<{ Params: EnvParams; Body: Record<string, unknown> }>(
    '/projects/:id/environments/:env/duplicate',
    {
      config: can('project.admin', 'project'),
      schema: schema('Duplicate an environment: its apps, their settings and variables, and new databases', {
        description:
          'Apps are copied with their source, settings and variables (references stay references and resolve ' +
          'in the new environment; secrets are copied sealed), their cron jobs (as in the source, or all paused ' +
          'with `cron: "paused"`) and volume settings (new, empty volumes). Every database is created new: ' +
          '"empty", or "seed" from its latest verified backup (409 when one has none; nothing is created). ' +
          'Compose stacks are copied as `<stack>-<environment>`. Custom domains are not copied: the copies ' +
          "answer on the environment's own hostnames. Nothing deploys unless `deploy` is true.",
        params: environmentParams,
        body: duplicateBody,
        response: { 201: duplicateResultSchema, ...errorResponses },
      }),
    },
    async (request, reply) => {
      const result = await environments.duplicate(
        request.params.id,
        request.params.env,
        request.body,
        request.apiCaller?.user.id ?? null,
      );
      return reply.status(201).send(result);
    },
  );

  app.delete<{ Params: EnvParams; Body: { confirm?: unknown } }>(
    '/projects/:id/environments/:env',
    {
      config: can('project.admin', 'project'),
      preValidation: emptyBodyAsObject,
      schema: schema('Delete an environment with every service, database, volume and backup in it', {
        description: 'The body confirms: {"confirm": "<environment name>"}. Production cannot be deleted (409).',
        params: environmentParams,
        body: confirmBody,
        response: {
          200: { type: 'object', properties: { steps: { type: 'array', items: { type: 'string' } } } },
          ...errorResponses,
        },
      }),
    },
    async (request) => ({ steps: await environments.remove(request.params.id, request.params.env, request.body) }),
  );

  app.get<{ Params: { id: string } }>(
    '/projects/:id/shared-variables',
    {
      config: can('project.read', 'project'),
      schema: schema('Shared project variables (keys only), referenced as ${{shared.KEY}}', {
        params: idParams,
        response: { 200: sharedKeysSchema, ...errorResponses },
      }),
    },
    async (request) => environments.shared.list(request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/projects/:id/shared-variables',
    {
      config: can('project.admin', 'project'),
      schema: schema('Add or change shared variables: {"KEY": "value"} or {"KEY": {"value", "secret": true}}', {
        params: idParams,
        body: { type: 'object', maxProperties: 500 },
        response: { 200: { type: 'object', properties: { written: { type: 'integer' } } }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      const written = await environments.shared.set(request.params.id, request.body);
      reply.header('cache-control', 'no-store');
      return { written };
    },
  );

  app.delete<{ Params: { id: string; key: string } }>(
    '/projects/:id/shared-variables/:key',
    {
      config: can('project.admin', 'project'),
      schema: schema('Delete a shared variable', {
        params: sharedKeyParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      await environments.shared.remove(request.params.id, request.params.key);
      return reply.status(204).send();
    },
  );
}
