/**
 * An invitation with an email address is mailed when the server has SMTP settings (the oldest enabled
 * server-wide email channel, see src/alerts/server-mail.ts). The invitation exists whatever the mail does:
 * a refused or failed send is said in words, the link is still shown once, and the attempt is audited as
 * `invitation.email` (success, or failure with what SMTP answered; never the link).
 */
import type { FastifyRequest } from 'fastify';
import type { Invitation } from '../auth/invitations.service.js';
import type { AppContext } from './context.js';
import { actorOf } from './plugins/audit-hook.js';

export type InvitationMail =
  | { status: 'sent'; to: string }
  | { status: 'not-configured' }
  | { status: 'no-address' }
  | { status: 'failed'; to: string; error: string };

/** Whether invitations can be mailed, for the page to say so before anyone tries. */
export async function isInvitationMailConfigured(ctx: AppContext): Promise<boolean> {
  return Boolean(ctx.alerts && (await ctx.alerts.serverMail.source()));
}

function messageFor(ctx: AppContext, inviter: string, url: string): { subject: string; text: string } {
  const panel = ctx.config.publicUrl.replace(/\/$/, '');
  return {
    subject: 'You are invited to Berth',
    text: [
      `${inviter} invited you to Berth at ${panel}.`,
      '',
      'Open this link to accept (it works once, for 7 days):',
      url,
      '',
      'If you did not expect this, ignore this mail.',
    ].join('\n'),
  };
}

export async function mailInvitation(
  ctx: AppContext,
  request: FastifyRequest,
  invitation: Invitation,
  url: string,
): Promise<InvitationMail> {
  if (!invitation.email) return { status: 'no-address' };
  const mail = ctx.alerts?.serverMail;
  if (!mail || !(await mail.source())) return { status: 'not-configured' };
  const to = invitation.email;
  const inviter = request.caller?.user.email ?? 'An admin';
  let result: InvitationMail;
  try {
    await mail.send(to, messageFor(ctx, inviter, url));
    result = { status: 'sent', to };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    request.log.warn({ invitationId: invitation.id, reason: message }, 'invitation mail failed');
    result = { status: 'failed', to, error: message };
  }
  const actor = await actorOf(ctx, request);
  await ctx.audit.record({
    actor: actor ?? { kind: 'system' },
    action: 'invitation.email',
    object: { type: 'invitation', id: invitation.id, name: to },
    address: request.ip,
    userAgent: request.headers['user-agent'],
    outcome: result.status === 'sent' ? 'success' : 'failure',
    detail: result.status === 'failed' ? result.error.slice(0, 300) : `mailed to ${to}`,
  });
  return result;
}
