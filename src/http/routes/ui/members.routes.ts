/**
 * The panel's Members page (server admins): members with their roles, invitations by link (the link is
 * in the creating response only, like an API token), a member's project role, removal, and moving
 * ownership (the owner only). The rules themselves live in the auth feature; this file shows them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { keepUrl } from '../../htmx.js';
import { isInvitationMailConfigured, mailInvitation } from '../../invitation-mail.js';
import { statusOf } from '../../plugins/error-handler.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
const ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: ID } } as const;
const csrfOnly = { type: 'object', properties: { _csrf: { type: 'string' } } } as const;
const ROLE = { type: 'string', enum: ['admin', 'developer', 'viewer', 'none', ''] } as const;
/** Each project's select in the invite form is named `grant_<projectId>`. */
const GRANT_FIELD = /^grant_([A-Za-z0-9_-]{1,64})$/;
/** Refusals shown in place on the page (owner rules, bad input, a member or invitation already gone). */
const FORM_ERRORS = new Set(['VALIDATION_FAILED', 'CONFLICT', 'FORBIDDEN', 'NOT_FOUND', 'EMAIL_TAKEN']);

type InviteBody = { email?: string; serverRole?: string } & Record<string, string | undefined>;

export async function membersUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const csrf = { preValidation: app.csrfProtection };

  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const projects = await ctx.projects.list();
    const names = new Map(projects.map((p) => [p.id, p.name]));
    const named = <G extends { projectId: string }>(grants: G[]) =>
      grants.map((g) => ({ ...g, projectName: names.get(g.projectId) ?? g.projectId }));
    const members = await ctx.auth.listMembers();
    const invitations = await ctx.auth.listInvitations();
    await reply.page(
      'members',
      {
        title: 'Members',
        projects,
        members: members.map((m) => ({ ...m, grants: named(m.grants), isMe: m.id === request.user!.id })),
        invitations: invitations.map((i) => ({ ...i, grants: named(i.grants) })),
        isOwner: request.user!.role === 'owner',
        canMailInvitations: await isInvitationMailConfigured(ctx),
        ...extra,
      },
      status,
    );
  };
  /** Runs a change; a refusal the person can act on is shown on the page instead of an error page. */
  const attempt = async (request: FastifyRequest, reply: FastifyReply, change: () => Promise<string>) => {
    try {
      reply.flash('success', await change());
      return reply.redirect('/members', 303);
    } catch (error) {
      if (!isAppError(error) || !FORM_ERRORS.has(error.code)) throw error;
      keepUrl(reply);
      return show(request, reply, { error: error.message }, statusOf(error.code));
    }
  };

  app.get('/members', { config: can('server.admin'), schema: hidden }, async (request, reply) => show(request, reply));

  app.post<{ Body: InviteBody }>(
    '/members/invitations',
    {
      config: can('server.admin'),
      ...csrf,
      schema: {
        ...hidden,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            email: { type: 'string', maxLength: 320 },
            serverRole: { type: 'string', enum: ['admin', 'member'] },
            _csrf: { type: 'string' },
          },
          patternProperties: { [GRANT_FIELD.source]: ROLE },
        },
      },
    },
    async (request, reply) => {
      const grants = Object.entries(request.body).flatMap(([field, role]) => {
        const projectId = GRANT_FIELD.exec(field)?.[1];
        return projectId && role && role !== 'none' ? [{ projectId, role }] : [];
      });
      try {
        const { token, invitation } = await ctx.auth.createInvitation(request.user!, {
          email: request.body.email?.trim() || undefined,
          serverRole: request.body.serverRole,
          grants,
        });
        request.log.info({ invitationId: invitation.id }, 'invitation created');
        const url = `${ctx.config.publicUrl.replace(/\/$/, '')}/invite?token=${token}`;
        // Mailed when an address was given and SMTP is set up; the outcome is shown with the link.
        const mailed = await mailInvitation(ctx, request, invitation, url);
        // Rendered into this response only, never stored: the link is shown exactly once.
        keepUrl(reply);
        return show(request, reply, { createdLink: url, mailed });
      } catch (error) {
        if (!isAppError(error) || !FORM_ERRORS.has(error.code)) throw error;
        keepUrl(reply);
        return show(request, reply, { inviteError: error.message, form: request.body }, statusOf(error.code));
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/members/invitations/:id/revoke',
    { config: can('server.admin'), ...csrf, schema: { ...hidden, params: idParams, body: csrfOnly } },
    async (request, reply) =>
      attempt(request, reply, async () => {
        await ctx.auth.revokeInvitation(request.params.id);
        return 'Invitation revoked: its link no longer works.';
      }),
  );

  app.post<{ Params: { id: string }; Body: { projectId: string; role: string } }>(
    '/members/:id/project-role',
    {
      config: can('server.admin'),
      ...csrf,
      schema: {
        ...hidden,
        params: idParams,
        body: {
          type: 'object',
          required: ['projectId', 'role'],
          additionalProperties: false,
          properties: { projectId: ID, role: ROLE, _csrf: { type: 'string' } },
        },
      },
    },
    async (request, reply) =>
      attempt(request, reply, async () => {
        const { projectId, role } = request.body;
        await ctx.auth.setProjectRole(request.user!, { userId: request.params.id, projectId, role: role || 'none' });
        return role && role !== 'none' ? `Project role set to ${role}.` : 'Project access removed.';
      }),
  );

  app.post<{ Params: { id: string }; Body: { role: string } }>(
    '/members/:id/role',
    {
      config: can('server.admin'),
      ...csrf,
      schema: {
        ...hidden,
        params: idParams,
        body: {
          type: 'object',
          required: ['role'],
          additionalProperties: false,
          properties: { role: { type: 'string', enum: ['admin', 'member'] }, _csrf: { type: 'string' } },
        },
      },
    },
    async (request, reply) =>
      attempt(request, reply, async () => {
        await ctx.auth.changeServerRole(request.user!, { userId: request.params.id, role: request.body.role });
        return `Server role set to ${request.body.role}.`;
      }),
  );

  app.post<{ Params: { id: string } }>(
    '/members/:id/remove',
    { config: can('server.admin'), ...csrf, schema: { ...hidden, params: idParams, body: csrfOnly } },
    async (request, reply) =>
      attempt(request, reply, async () => {
        const removed = await ctx.auth.removeMember(request.user!, request.params.id);
        request.log.info({ userId: removed.id }, 'member removed');
        return `${removed.email} removed: their sessions, tokens and SSH keys stopped working.`;
      }),
  );

  app.post<{ Params: { id: string } }>(
    '/members/:id/ownership',
    { config: can('server.owner'), ...csrf, schema: { ...hidden, params: idParams, body: csrfOnly } },
    async (request, reply) =>
      attempt(request, reply, async () => {
        await ctx.auth.transferOwnership(request.user!, request.params.id);
        return 'Ownership transferred. You stay an admin.';
      }),
  );
}
