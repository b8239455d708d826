/**
 * Project as code over the API: export the project as a berth.project.json, plan a file against the
 * server, and apply it (README "Project as code: berth plan / berth apply"). Export and plan show
 * non-secret variable values, so they need the same role as applying: the one that edits settings.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { idParams } from './project-schemas.js';
import { bearerSecurity, errorResponses } from './schemas.js';

const tags = ['projects'];
const anyObject = { type: 'object', additionalProperties: true } as const;
const change = {
  type: 'object',
  required: ['action', 'kind', 'path'],
  properties: {
    action: { enum: ['create', 'update', 'delete'] },
    kind: { type: 'string' },
    path: { type: 'string' },
    old: {},
    new: {},
    skipped: { type: 'boolean' },
  },
} as const;
const planResponse = {
  type: 'object',
  required: ['changes', 'notes', 'planHash'],
  properties: {
    changes: { type: 'array', items: change },
    notes: { type: 'array', items: { type: 'string' } },
    planHash: { type: 'string' },
    applied: { type: 'boolean' },
  },
} as const;
const fileBody = {
  file: { ...anyObject, description: 'A berth.project.json (its schema: GET /schema/berth.project.json)' },
  prune: { type: 'boolean', description: 'Delete what the file leaves out (services, databases, variables, domains)' },
} as const;

export async function projectConfigApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const facade = () => {
    if (!ctx.projectConfig) throw new AppError('NOT_FOUND', 'Project files are not available on this server.');
    return ctx.projectConfig;
  };

  app.get<{ Params: { id: string } }>(
    '/projects/:id/config',
    {
      config: can('project.deploy', 'project'),
      schema: {
        tags,
        summary: "The project's production environment as a berth.project.json (secret values never included)",
        security: bearerSecurity,
        params: idParams,
        response: { 200: anyObject, ...errorResponses },
      },
    },
    async (request) => facade().export(request.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/projects/:id/config/drift',
    {
      config: can('project.deploy', 'project'),
      schema: {
        tags,
        summary: 'Where the server no longer matches the project file last applied (drift: null when none was)',
        security: bearerSecurity,
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              drift: {
                type: ['object', 'null'],
                properties: {
                  appliedAt: { type: 'string' },
                  appliedBy: { type: ['string', 'null'] },
                  fileHash: { type: 'string' },
                  changes: { type: 'array', items: change },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => ({ drift: (await facade().drift(request.params.id)) ?? null }),
  );

  app.post<{ Params: { id: string }; Body: { file: unknown; prune?: boolean } }>(
    '/projects/:id/config/plan',
    {
      config: can('project.deploy', 'project'),
      schema: {
        tags,
        summary: 'The changes applying a berth.project.json would make, with the hash apply must be given',
        security: bearerSecurity,
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['file'], properties: fileBody },
        response: { 200: planResponse, ...errorResponses },
      },
    },
    async (request) => facade().plan(request.params.id, request.body.file, request.body.prune === true),
  );

  app.post<{ Params: { id: string }; Body: { file: unknown; prune?: boolean; expectPlanHash: string } }>(
    '/projects/:id/config/apply',
    {
      config: can('project.deploy', 'project'),
      schema: {
        tags,
        summary: 'Apply a planned berth.project.json (409 when the project changed since the plan)',
        description:
          'Deletes only with "prune": true. Secret variables are never written: {"secret": true} keeps the server\'s value.',
        security: bearerSecurity,
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['file', 'expectPlanHash'],
          properties: { ...fileBody, expectPlanHash: { type: 'string', minLength: 64, maxLength: 64 } },
        },
        response: { 200: planResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { file, prune, expectPlanHash } = request.body;
      const appliedBy = request.apiCaller?.user.email ?? request.user?.email ?? null;
      const plan = await facade().apply(request.params.id, file, { prune: prune === true, expectPlanHash, appliedBy });
      request.log.info({ projectId: request.params.id, changes: plan.changes.length }, 'project file applied');
      return { ...plan, applied: true };
    },
  );
}
