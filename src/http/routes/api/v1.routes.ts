/** JSON API v1 (Bearer token auth): the caller, API tokens and the engine status. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { bearerSecurity, errorResponses } from './schemas.js';
import { can } from '../../route-access.js';

export async function apiV1Routes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/me',
    {
      config: can('signed-in'),
      schema: {
        tags: ['account'],
        summary: 'The user behind the API token',
        security: bearerSecurity,
        response: {
          200: {
            type: 'object',
            required: ['user', 'token'],
            properties: {
              user: { $ref: 'User#' },
              token: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { user, token } = request.apiCaller!;
      return { user, token: { id: token.id, name: token.name } };
    },
  );

  app.get(
    '/tokens',
    {
      config: can('account'),
      schema: {
        tags: ['account'],
        summary: "The caller's API tokens (never the secrets)",
        security: bearerSecurity,
        response: { 200: { type: 'array', items: { $ref: 'ApiToken#' } }, ...errorResponses },
      },
    },
    async (request) => ctx.auth.listApiTokens(request.apiCaller!.user.id),
  );

  app.post<{
    Body: { name: string; projectId?: string | null; role?: string; readOnly?: boolean; expiresInDays?: number };
  }>(
    '/tokens',
    {
      config: can('account'),
      schema: {
        tags: ['account'],
        summary: 'Create an API token; the secret is in this response only',
        security: bearerSecurity,
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', maxLength: 64 },
            projectId: { type: ['string', 'null'], maxLength: 64, description: 'Scope to one project (default: all)' },
            role: {
              type: 'string',
              enum: ['admin', 'developer', 'viewer'],
              description: 'Default admin; never more than yours',
            },
            readOnly: { type: 'boolean' },
            expiresInDays: { type: 'integer', minimum: 1, maximum: 3650 },
          },
        },
        response: {
          201: {
            type: 'object',
            required: ['token', 'record'],
            properties: { token: { type: 'string' }, record: { $ref: 'ApiToken#' } },
          },
          ...errorResponses,
          409: { $ref: 'Error#' },
        },
      },
    },
    async (request, reply) => {
      const { name, ...scope } = request.body;
      const created = await ctx.auth.createApiToken(request.apiCaller!.user.id, name, scope);
      return reply.status(201).send(created);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/tokens/:id',
    {
      config: can('account'),
      schema: {
        tags: ['account'],
        summary: 'Revoke an API token',
        security: bearerSecurity,
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^tok_[0-9a-z]{1,40}$' } },
        },
        response: { 200: { $ref: 'ApiToken#' }, ...errorResponses },
      },
    },
    async (request) => ctx.auth.revokeApiToken(request.apiCaller!.user.id, request.params.id),
  );

  app.get(
    '/server',
    {
      config: can('server.admin'),
      schema: {
        tags: ['server'],
        summary: "The Docker engine's status: version, containers, images, disk use",
        security: bearerSecurity,
        response: {
          200: {
            type: 'object',
            required: ['available'],
            properties: {
              available: { type: 'boolean' },
              reason: { type: 'string' },
              since: { type: 'string' },
              info: { type: 'object', additionalProperties: true },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => ctx.engine.describe(),
  );
}
