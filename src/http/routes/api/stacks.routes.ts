/** JSON API of compose stacks (Bearer token auth): check a file, create, list, show, variables, deploy, log, delete. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { bearerSecurity, emptyBodyAsObject, errorResponses } from './schemas.js';
import {
  checkResultSchema,
  checkStackBody,
  createStackBody,
  deleteStackBody,
  idParams,
  stackSchema,
  stackVariablesBody,
} from './stack-schemas.js';

const tags = ['stacks'];
type Id = { Params: { id: string } };

export async function stacksApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const schema = (summary: string, extra: Record<string, unknown>) => ({
    tags,
    summary,
    security: bearerSecurity,
    ...extra,
  });

  app.get<Id>(
    '/projects/:id/stacks',
    {
      config: can('project.read', 'project'),
      schema: schema("A project's compose stacks", {
        params: idParams,
        response: { 200: { type: 'array', items: stackSchema }, ...errorResponses },
      }),
    },
    async (request) => ctx.stacks.list(request.params.id),
  );

  app.post<Id & { Body: { compose: string; variables?: Record<string, string> } }>(
    '/projects/:id/stacks/check',
    {
      config: can('project.deploy', 'project'),
      schema: schema('Check a compose file: every refused option with its line, and notes; nothing is stored', {
        params: idParams,
        body: checkStackBody,
        response: { 200: checkResultSchema, ...errorResponses },
      }),
    },
    async (request) => {
      const result = ctx.stacks.check(request.body.compose, request.body.variables ?? {});
      return {
        ok: result.problems.length === 0,
        problems: result.problems.map((p) => ({ ...p, line: p.line ?? null })),
        notes: result.notes,
        services: result.stack?.services.map((s) => s.name) ?? [],
      };
    },
  );

  app.post<Id & { Body: Record<string, unknown> }>(
    '/projects/:id/stacks',
    {
      config: can('project.deploy', 'project'),
      schema: schema('Create a compose stack (checked first; deploy it with POST /stacks/{id}/deploy)', {
        description:
          '422 VALIDATION_FAILED names each refused option as `line N: field: why` in the message and in `details`.',
        params: idParams,
        body: createStackBody,
        response: { 201: stackSchema, ...errorResponses },
      }),
    },
    async (request, reply) => reply.status(201).send(await ctx.stacks.create(request.params.id, request.body)),
  );

  app.get<Id>(
    '/stacks/:id',
    {
      config: can('project.read', 'stack'),
      schema: schema('One compose stack (secret variables masked)', {
        params: idParams,
        response: { 200: stackSchema, ...errorResponses },
      }),
    },
    async (request) => ctx.stacks.get(request.params.id),
  );

  app.get<Id>(
    '/stacks/:id/log',
    {
      config: can('project.read', 'stack'),
      schema: schema("The last deploy's log", {
        params: idParams,
        response: { 200: { type: 'object', properties: { log: { type: 'string' } } }, ...errorResponses },
      }),
    },
    async (request) => ({ log: await ctx.stacks.deployLog(request.params.id) }),
  );

  app.put<Id & { Body: unknown }>(
    '/stacks/:id/variables',
    {
      config: can('project.deploy', 'stack'),
      schema: schema('Set variables (the keys given; others stay); deploy to apply', {
        params: idParams,
        body: stackVariablesBody,
        response: { 200: stackSchema, ...errorResponses },
      }),
    },
    async (request) => ctx.stacks.setVariables(request.params.id, request.body),
  );

  app.post<Id>(
    '/stacks/:id/deploy',
    {
      config: can('project.deploy', 'stack'),
      preValidation: emptyBodyAsObject,
      schema: schema('Deploy the stack (in the background; follow GET /stacks/{id})', {
        params: idParams,
        response: { 202: stackSchema, ...errorResponses },
      }),
    },
    async (request, reply) => reply.status(202).send((await ctx.stacks.deploy(request.params.id)).stack),
  );

  app.delete<Id & { Body: { confirm?: string; deleteVolumes?: boolean } | undefined }>(
    '/stacks/:id',
    {
      config: can('project.admin', 'stack'),
      preValidation: emptyBodyAsObject,
      schema: schema('Delete the stack: its containers, network, built images, and with deleteVolumes its volumes', {
        params: idParams,
        body: deleteStackBody,
        response: { 204: { type: 'null', description: 'Removed' }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      await ctx.stacks.remove(request.params.id, request.body ?? {});
      return reply.status(204).send();
    },
  );
}
