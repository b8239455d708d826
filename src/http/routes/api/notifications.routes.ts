/** /api/v1 alerts and notifications: channels (CRUD, test), rules, alerts and the delivery history. Admins only. */
import type { FastifyInstance } from 'fastify';
import type { AlertsFeature } from '../../../alerts/alerts-feature.js';
import { RULE_DESCRIPTIONS, type AlertRule } from '../../../alerts/alert.types.js';
import type { ChannelInput } from '../../../alerts/channel-input.js';
import { AppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { bearerSecurity, errorResponses } from './schemas.js';
import { channelInputSchema } from './notification-schemas.js';
import { can } from '../../route-access.js';

const tags = ['notifications'];
const idParams = (prefix: string) =>
  ({
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', pattern: `^${prefix}_[0-9a-z]{1,40}$` } },
  }) as const;

export const describeRule = (rule: AlertRule) => ({ ...rule, ...RULE_DESCRIPTIONS[rule.kind] });

export function requireAlerts(ctx: AppContext): AlertsFeature {
  if (!ctx.alerts) throw new AppError('NOT_FOUND', 'Alerts are not available on this server.');
  return ctx.alerts;
}

export async function notificationsApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // Server admins only: every route here declares server.admin (the group checks it before any body).
  const security = bearerSecurity;

  app.get(
    '/notification-channels',
    {
      config: can('server.admin'),
      schema: {
        tags,
        security,
        summary: 'List notification channels (never their secrets)',
        response: { 200: { type: 'array', items: { $ref: 'NotificationChannel#' } }, ...errorResponses },
      },
    },
    async () => requireAlerts(ctx).channels.list(),
  );

  app.post<{ Body: ChannelInput }>(
    '/notification-channels',
    {
      config: can('server.admin'),
      schema: {
        tags,
        security,
        summary:
          'Create a channel. The destination is checked before anything connects (private and metadata addresses are refused unless BERTH_ALLOW_PRIVATE_SOURCES). A webhook secret Berth generates is in this response only.',
        body: { ...channelInputSchema, required: ['name', 'kind'] },
        response: {
          201: {
            type: 'object',
            required: ['channel'],
            properties: {
              channel: { $ref: 'NotificationChannel#' },
              generatedSecret: { type: 'string', description: 'Shown once; sign checks use it' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => reply.status(201).send(await requireAlerts(ctx).channels.create(request.body)),
  );

  app.get<{ Params: { id: string } }>(
    '/notification-channels/:id',
    {
      config: can('server.admin'),
      schema: {
        tags,
        security,
        summary: 'One notification channel',
        params: idParams('chn'),
        response: { 200: { $ref: 'NotificationChannel#' }, ...errorResponses },
      },
    },
    async (request) => requireAlerts(ctx).channels.get(request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: ChannelInput }>(
    '/notification-channels/:id',
    {
      config: can('server.admin'),
      schema: {
        tags,
        security,
        summary: 'Change a channel (enable/disable with {"enabled": false}); an omitted secret is kept',
        params: idParams('chn'),
        body: { ...channelInputSchema, properties: { ...channelInputSchema.properties, kind: { not: {} } } },
        response: { 200: { $ref: 'NotificationChannel#' }, ...errorResponses },
      },
    },
    async (request) => requireAlerts(ctx).channels.update(request.params.id, request.body),
  );

  app.delete<{ Params: { id: string } }>(
    '/notification-channels/:id',
    {
      config: can('server.admin'),
      schema: { tags, security, summary: 'Delete a channel and its delivery history', params: idParams('chn') },
    },
    async (request, reply) => {
      await requireAlerts(ctx).channels.remove(request.params.id);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { id: string } }>(
    '/notification-channels/:id/test',
    {
      config: can('server.admin'),
      schema: {
        tags,
        security,
        summary: 'Send a test message now; the answer says whether it was delivered',
        params: idParams('chn'),
        response: { 200: { $ref: 'NotificationDelivery#' }, ...errorResponses },
      },
    },
    async (request) => requireAlerts(ctx).sendTest(request.params.id),
  );

  app.get<{ Querystring: { channelId?: string; limit?: number } }>(
    '/notification-deliveries',
    {
      config: can('server.admin'),
      schema: {
        tags,
        security,
        summary: 'What was sent, to which channel, and whether delivery worked (newest first)',
        querystring: {
          type: 'object',
          properties: {
            channelId: { type: 'string', pattern: '^chn_[0-9a-z]{1,40}$' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
        response: { 200: { type: 'array', items: { $ref: 'NotificationDelivery#' } }, ...errorResponses },
      },
    },
    async (request) => requireAlerts(ctx).history(request.query.channelId, request.query.limit),
  );

  app.get(
    '/alert-rules',
    {
      config: can('server.admin'),
      schema: {
        tags,
        security,
        summary: 'The alert rules with their thresholds',
        response: { 200: { type: 'array', items: { $ref: 'AlertRule#' } }, ...errorResponses },
      },
    },
    async () => (await requireAlerts(ctx).rules()).map(describeRule),
  );

  app.patch<{ Params: { kind: string }; Body: { enabled?: boolean; threshold?: number; windowSeconds?: number } }>(
    '/alert-rules/:kind',
    {
      config: can('server.admin'),
      schema: {
        tags,
        security,
        summary:
          'Enable or disable a rule, or change its threshold or window (disabling closes its alerts without a message)',
        params: {
          type: 'object',
          required: ['kind'],
          properties: { kind: { type: 'string', pattern: '^[a-z0-9_]{1,40}$' } },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean' },
            threshold: { type: 'number' },
            windowSeconds: { type: 'integer' },
          },
        },
        response: { 200: { $ref: 'AlertRule#' }, ...errorResponses },
      },
    },
    async (request) => describeRule(await requireAlerts(ctx).updateRule(request.params.kind, request.body)),
  );

  app.get<{ Querystring: { status?: 'open' | 'resolved'; limit?: number } }>(
    '/alerts',
    {
      config: can('server.admin'),
      schema: {
        tags,
        security,
        summary: 'Alerts, newest first',
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['open', 'resolved'] },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
        response: { 200: { type: 'array', items: { $ref: 'Alert#' } }, ...errorResponses },
      },
    },
    async (request) => requireAlerts(ctx).alerts(request.query.status, request.query.limit),
  );
}
