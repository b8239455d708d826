/**
 * JSON API of a project's preview environments and its preview settings. Bearer token auth; the
 * permission is checked before the body is read.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { environmentParams } from './environment-schemas.js';
import { idParams } from './project-schemas.js';
import { bearerSecurity, errorResponses } from './schemas.js';

const tags = ['previews'];

export const previewSettingsSchema = {
  type: 'object',
  required: ['enabled', 'ttlHours', 'maxPreviews', 'databases', 'memoryMb', 'allowForks'],
  properties: {
    enabled: { type: 'boolean', description: 'Pushes of other branches and pull requests make previews' },
    ttlHours: { type: 'integer', minimum: 1, maximum: 720, description: 'Hours a preview lives after its last push' },
    maxPreviews: { type: 'integer', minimum: 1, maximum: 20, description: 'Previews that may exist at once' },
    databases: {
      type: 'string',
      enum: ['empty', 'seed'],
      description: "Empty, or seeded from production's latest verified backup",
    },
    memoryMb: { type: 'integer', description: 'Memory cap of each preview app container (MB)' },
    allowForks: { type: 'boolean', description: 'Pull requests from forks get previews too' },
    fromFile: {
      type: 'object',
      description:
        "Present when the production apps' berth.json sets fields: field → the file (those fields win and are read-only here)",
      additionalProperties: { type: 'string' },
    },
  },
} as const;

const previewSchema = {
  type: 'object',
  required: ['id', 'name', 'branch', 'expiresAt', 'urls'],
  properties: {
    id: { type: 'string' },
    projectId: { type: 'string' },
    name: { type: 'string', description: 'The environment name' },
    branch: { type: 'string' },
    expiresAt: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    urls: {
      type: 'array',
      items: { type: 'object', properties: { service: { type: 'string' }, url: { type: 'string' } } },
    },
  },
} as const;

export async function previewsApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const schema = (summary: string, extra: Record<string, unknown>) => ({
    tags,
    summary,
    security: bearerSecurity,
    ...extra,
  });
  const { previews } = ctx;

  app.get<{ Params: { id: string } }>(
    '/projects/:id/previews',
    {
      config: can('project.read', 'project'),
      schema: schema("The project's preview environments with their URLs and expiry", {
        params: idParams,
        response: { 200: { type: 'array', items: previewSchema }, ...errorResponses },
      }),
    },
    async (request) => previews.list(request.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/projects/:id/preview-settings',
    {
      config: can('project.read', 'project'),
      schema: schema("The project's preview settings", {
        params: idParams,
        response: { 200: previewSettingsSchema, ...errorResponses },
      }),
    },
    async (request) => previews.settings(request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/projects/:id/preview-settings',
    {
      config: can('project.admin', 'project'),
      schema: schema('Change preview settings (only the fields sent)', {
        description: 'ttlHours 1-720, maxPreviews 1-20, memoryMb 32-65536, databases "empty" or "seed"; 422 otherwise.',
        params: idParams,
        body: { type: 'object', maxProperties: 10 },
        response: { 200: previewSettingsSchema, ...errorResponses },
      }),
    },
    async (request) => previews.updateSettings(request.params.id, request.body),
  );

  app.delete<{ Params: { id: string; env: string } }>(
    '/projects/:id/previews/:env',
    {
      config: can('project.admin', 'project'),
      schema: schema('Delete a preview with its containers, routes, network, databases and volumes', {
        params: environmentParams,
        response: {
          200: { type: 'object', properties: { steps: { type: 'array', items: { type: 'string' } } } },
          ...errorResponses,
        },
      }),
    },
    async (request) => ({ steps: await previews.remove(request.params.id, request.params.env) }),
  );
}
