/**
 * The panel's Notifications page: channels (add, edit, enable/disable, send a test, delete), the alert
 * rules with their thresholds, open alerts and the delivery history. Admins only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RULE_DESCRIPTIONS } from '../../../alerts/alert.types.js';
import type { ChannelInput } from '../../../alerts/channel-input.js';
import { isAppError } from '../../../errors.js';
import { statusOf } from '../../plugins/error-handler.js';
import type { AppContext } from '../../context.js';
import { requireAlerts } from '../api/notifications.routes.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
const channelParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^chn_[0-9a-z]{1,40}$' } },
} as const;
const formBody = { type: 'object', additionalProperties: { type: 'string' } } as const;

type Form = Record<string, string | undefined>;

/** Form fields as the channel input; empty fields mean "keep" (or the default). */
function channelInput(form: Form): ChannelInput {
  const value = (key: string) => (form[key] === undefined || form[key] === '' ? undefined : form[key]);
  return {
    name: value('name'),
    kind: value('kind'),
    projectId: form.projectId === undefined ? undefined : form.projectId || null,
    rateLimitPerHour: value('rateLimitPerHour'),
    url: value('url'),
    secret: value('secret'),
    host: value('host'),
    port: value('port'),
    security: value('security'),
    username: form.username,
    from: value('from'),
    to: value('to'),
  };
}

export async function notificationsUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // Server admins only: every route here declares server.admin (the group checks it before any body).
  const csrf = { preValidation: app.csrfProtection };

  const show = async (
    _request: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const alerts = requireAlerts(ctx);
    const channels = await alerts.channels.list();
    await reply.page(
      'notifications',
      {
        title: 'Notifications',
        channels,
        channelNames: Object.fromEntries(channels.map((c) => [c.id, c.name])),
        projects: await ctx.projects.list(),
        rules: (await alerts.rules()).map((r) => ({ ...r, ...RULE_DESCRIPTIONS[r.kind] })),
        openAlerts: await alerts.alerts('open', 50),
        history: await alerts.history(undefined, 50),
        ...extra,
      },
      status,
    );
  };

  /** Runs a change; a validation problem is shown on the page (with the form kept), anything else is thrown. */
  const change = async (request: FastifyRequest, reply: FastifyReply, run: () => Promise<string>, form?: Form) => {
    try {
      reply.flash('success', await run());
      return show(request, reply);
    } catch (error) {
      if (!isAppError(error) || error.code !== 'VALIDATION_FAILED') throw error;
      return show(request, reply, { error: error.message, form }, statusOf(error.code));
    }
  };

  app.get('/notifications', { config: can('server.admin'), schema: hidden }, async (request, reply) =>
    show(request, reply),
  );

  app.post<{ Body: Form }>(
    '/notifications/channels',
    { config: can('server.admin'), ...csrf, schema: { ...hidden, body: formBody } },
    async (request, reply) => {
      try {
        const created = await requireAlerts(ctx).channels.create(channelInput(request.body));
        reply.flash('success', `Channel "${created.channel.name}" added.`);
        // A generated signing secret is shown in this response only (never stored in the session or shown again).
        return show(request, reply, { generatedSecret: created.generatedSecret, generatedFor: created.channel.name });
      } catch (error) {
        if (!isAppError(error) || error.code !== 'VALIDATION_FAILED') throw error;
        const { secret: _secret, ...kept } = request.body;
        return show(request, reply, { error: error.message, form: kept }, statusOf(error.code));
      }
    },
  );

  app.post<{ Params: { id: string }; Body: Form }>(
    '/notifications/channels/:id',
    { config: can('server.admin'), ...csrf, schema: { ...hidden, params: channelParams, body: formBody } },
    async (request, reply) =>
      change(request, reply, async () => {
        const channel = await requireAlerts(ctx).channels.update(request.params.id, channelInput(request.body));
        return `Channel "${channel.name}" saved.`;
      }),
  );

  app.post<{ Params: { id: string }; Body: Form }>(
    '/notifications/channels/:id/enabled',
    { config: can('server.admin'), ...csrf, schema: { ...hidden, params: channelParams, body: formBody } },
    async (request, reply) =>
      change(request, reply, async () => {
        const enabled = request.body.enabled === 'true';
        const channel = await requireAlerts(ctx).channels.setEnabled(request.params.id, enabled);
        return `Channel "${channel.name}" ${enabled ? 'enabled' : 'disabled'}.`;
      }),
  );

  app.post<{ Params: { id: string } }>(
    '/notifications/channels/:id/test',
    { config: can('server.admin'), ...csrf, schema: { ...hidden, params: channelParams } },
    async (request, reply) => {
      const delivery = await requireAlerts(ctx).sendTest(request.params.id);
      if (delivery.status === 'sent') reply.flash('success', 'Test message delivered.');
      else reply.flash('error', `The test message was not delivered: ${delivery.lastError ?? delivery.status}`);
      return show(request, reply);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/notifications/channels/:id/delete',
    { config: can('server.admin'), ...csrf, schema: { ...hidden, params: channelParams } },
    async (request, reply) => {
      const channel = await requireAlerts(ctx).channels.get(request.params.id);
      await requireAlerts(ctx).channels.remove(channel.id);
      reply.flash('success', `Channel "${channel.name}" deleted.`);
      return show(request, reply);
    },
  );

  app.post<{ Params: { kind: string }; Body: Form }>(
    '/notifications/rules/:kind',
    {
      config: can('server.admin'),
      ...csrf,
      schema: {
        ...hidden,
        params: {
          type: 'object',
          required: ['kind'],
          properties: { kind: { type: 'string', pattern: '^[a-z0-9_]{1,40}$' } },
        },
        body: formBody,
      },
    },
    async (request, reply) =>
      change(request, reply, async () => {
        const number = (raw: string | undefined) => (raw === undefined || raw.trim() === '' ? undefined : Number(raw));
        await requireAlerts(ctx).updateRule(request.params.kind, {
          enabled: request.body.enabled === 'on' || request.body.enabled === 'true',
          threshold: number(request.body.threshold),
          windowSeconds: number(request.body.windowSeconds),
        });
        return `Rule "${RULE_DESCRIPTIONS[request.params.kind as keyof typeof RULE_DESCRIPTIONS].label}" saved.`;
      }),
  );
}
