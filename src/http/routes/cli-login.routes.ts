/**
 * The CLI's side of `berth login` with browser approval (src/auth/cli-logins.ts): start a login request
 * and poll it. Public by nature (the CLI has no token yet); starting is limited per address, and a poll
 * needs the request's secret, sent in the body so it never lands in a URL or an access log. Outside
 * /api/v1, which is for bearer tokens only.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { can } from '../route-access.js';

const tags = ['cli'];

export async function cliLoginRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: { host?: string } | undefined }>(
    '/cli/login',
    {
      config: can('public'),
      schema: {
        tags,
        summary: 'Start a browser-approved CLI login (no auth; rate-limited)',
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { host: { type: 'string', maxLength: 64 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['requestId', 'userCode', 'approveUrl', 'pollSecret', 'expiresIn', 'interval'],
            properties: {
              requestId: { type: 'string' },
              userCode: { type: 'string' },
              approveUrl: { type: 'string' },
              pollSecret: { type: 'string' },
              expiresIn: { type: 'integer' },
              interval: { type: 'integer' },
            },
          },
        },
      },
    },
    async (request) => {
      const started = ctx.cliLogins.start(request.body?.host, request.ip);
      const approveUrl = new URL('/cli/approve', ctx.config.publicUrl);
      approveUrl.searchParams.set('code', started.userCode);
      return { ...started, approveUrl: approveUrl.href };
    },
  );

  app.post<{ Params: { id: string }; Body: { pollSecret: string } }>(
    '/cli/login/:id/poll',
    {
      config: can('public'),
      schema: {
        tags,
        summary: 'Poll a CLI login: pending, approved (the token, once), denied or expired',
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^clr_[A-Za-z0-9_-]{22}$' } },
        },
        body: {
          type: 'object',
          required: ['pollSecret'],
          additionalProperties: false,
          properties: { pollSecret: { type: 'string', maxLength: 100 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['status'],
            properties: {
              status: { type: 'string', enum: ['pending', 'approved', 'denied', 'expired'] },
              interval: { type: 'integer' },
              token: { type: 'string' },
              email: { type: 'string' },
            },
          },
        },
      },
    },
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return ctx.cliLogins.poll(request.params.id, request.body.pollSecret);
    },
  );
}
