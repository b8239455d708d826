/** /api/v1/ssh-keys: the caller's SSH public keys for the built-in SSH git remote. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { errorResponses } from './schemas.js';
import { can } from '../../route-access.js';

const tags = ['git'];
const security = [{ bearerAuth: [] }];
const keySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    algorithm: { type: 'string' },
    fingerprint: { type: 'string' },
    createdAt: { type: 'string' },
    lastUsedAt: { type: ['string', 'null'] },
  },
} as const;
const keyIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^key_[0-9a-z]{1,40}$' } },
} as const;

export async function sshKeysApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/ssh-keys',
    {
      config: can('account'),
      schema: {
        tags,
        security,
        summary: 'List your SSH public keys',
        response: { 200: { type: 'array', items: keySchema } },
      },
    },
    async (request) => ctx.sshKeys.list(request.apiCaller!.user.id),
  );

  app.post<{ Body: { name: string; publicKey: string } }>(
    '/ssh-keys',
    {
      config: can('account'),
      schema: {
        tags,
        security,
        summary: 'Add an SSH public key (the line of ~/.ssh/id_ed25519.pub) for git push over SSH',
        body: {
          type: 'object',
          required: ['name', 'publicKey'],
          additionalProperties: false,
          properties: { name: { type: 'string', maxLength: 64 }, publicKey: { type: 'string', maxLength: 16384 } },
        },
        response: { 201: keySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const key = await ctx.sshKeys.add(request.apiCaller!.user.id, request.body.name, request.body.publicKey);
      return reply.status(201).send(key);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/ssh-keys/:id',
    { config: can('account'), schema: { tags, security, summary: 'Delete one of your SSH keys', params: keyIdParams } },
    async (request, reply) => {
      await ctx.sshKeys.remove(request.apiCaller!.user.id, request.params.id);
      return reply.status(204).send();
    },
  );
}
