/**
 * Members and invitations (server admins; moving ownership: the owner). An invitation's token is in the
 * creating answer only, with the link to accept it at /invite.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { mailInvitation } from '../../invitation-mail.js';
import { can } from '../../route-access.js';
import { bearerSecurity, errorResponses } from './schemas.js';

const tags = ['members'];
const ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: ID } } as const;
const PROJECT_ROLE = { type: 'string', enum: ['admin', 'developer', 'viewer', 'none'] } as const;

export async function membersApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const schema = (summary: string, extra: object = {}) => ({
    tags,
    summary,
    security: bearerSecurity,
    response: errorResponses,
    ...extra,
  });

  app.get(
    '/members',
    { config: can('server.admin'), schema: schema('Everyone with an account, with their project roles') },
    async () => ctx.auth.listMembers(),
  );

  app.put<{ Params: { id: string; projectId: string }; Body: { role: string } }>(
    '/members/:id/projects/:projectId',
    {
      config: can('server.admin'),
      schema: schema("Set a member's role on one project (none removes it)", {
        params: { type: 'object', required: ['id', 'projectId'], properties: { id: ID, projectId: ID } },
        body: { type: 'object', required: ['role'], additionalProperties: false, properties: { role: PROJECT_ROLE } },
      }),
    },
    async (request, reply) => {
      await ctx.auth.setProjectRole(request.caller!.user, {
        userId: request.params.id,
        projectId: request.params.projectId,
        role: request.body.role,
      });
      return reply.status(204).send();
    },
  );

  app.put<{ Params: { id: string }; Body: { role: string } }>(
    '/members/:id/role',
    {
      config: can('server.admin'),
      schema: schema("Set a member's server role (admin or member; never the owner's)", {
        params: idParams,
        body: {
          type: 'object',
          required: ['role'],
          additionalProperties: false,
          properties: { role: { type: 'string', enum: ['admin', 'member'] } },
        },
      }),
    },
    async (request, reply) => {
      await ctx.auth.changeServerRole(request.caller!.user, { userId: request.params.id, role: request.body.role });
      return reply.status(204).send();
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/members/:id',
    {
      config: can('server.admin'),
      schema: schema('Remove a member: their sessions, tokens and SSH keys stop working at once', { params: idParams }),
    },
    async (request, reply) => {
      const removed = await ctx.auth.removeMember(request.caller!.user, request.params.id);
      request.log.info({ userId: removed.id }, 'member removed');
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { id: string } }>(
    '/members/:id/ownership',
    {
      config: can('server.owner'),
      schema: schema('Transfer ownership to this member (you stay an admin)', { params: idParams }),
    },
    async (request, reply) => {
      await ctx.auth.transferOwnership(request.caller!.user, request.params.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/invitations',
    { config: can('server.admin'), schema: schema('Open invitations (never their tokens)') },
    async () => ctx.auth.listInvitations(),
  );

  app.post<{ Body: { email?: string; serverRole?: string; grants?: Array<{ projectId: string; role: string }> } }>(
    '/invitations',
    {
      config: can('server.admin'),
      schema: schema(
        'Invite someone: the link is in this answer only (and mailed to `email` when SMTP is set up), works once, for 7 days',
        {
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              email: { type: 'string', maxLength: 320 },
              serverRole: { type: 'string', enum: ['admin', 'member'] },
              grants: {
                type: 'array',
                maxItems: 200,
                items: {
                  type: 'object',
                  required: ['projectId', 'role'],
                  additionalProperties: false,
                  properties: { projectId: ID, role: PROJECT_ROLE },
                },
              },
            },
          },
        },
      ),
    },
    async (request, reply) => {
      const { token, invitation } = await ctx.auth.createInvitation(request.caller!.user, request.body);
      const url = `${ctx.config.publicUrl.replace(/\/$/, '')}/invite?token=${token}`;
      // With an email and SMTP set up, the link is mailed too; `mail` says what happened (the link is here either way).
      const mail = await mailInvitation(ctx, request, invitation, url);
      return reply.status(201).send({ ...invitation, token, url, mail });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/invitations/:id',
    { config: can('server.admin'), schema: schema('Revoke an open invitation', { params: idParams }) },
    async (request, reply) => {
      await ctx.auth.revokeInvitation(request.params.id);
      return reply.status(204).send();
    },
  );
}
