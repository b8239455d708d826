/** JSON schemas of the alerts and notifications API (registered on the root instance, listed in the OpenAPI document). */
import { CHANNEL_KINDS, RULE_KINDS } from '../../../alerts/alert.types.js';

const nullableString = { type: ['string', 'null'] } as const;

export const notificationChannelSchema = {
  $id: 'NotificationChannel',
  type: 'object',
  required: ['id', 'name', 'kind', 'projectId', 'enabled', 'settings', 'hasSecret', 'rateLimitPerHour'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string', enum: [...CHANNEL_KINDS] },
    projectId: { ...nullableString, description: "null: a server channel (server-wide alerts and every project's)" },
    enabled: { type: 'boolean' },
    settings: {
      type: 'object',
      description: 'webhook/slack/discord: {url}; email: {host, port, security, username, from, to}. Never secrets.',
      properties: {
        url: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'integer' },
        security: { type: 'string', enum: ['tls', 'starttls', 'none'] },
        username: nullableString,
        from: { type: 'string' },
        to: { type: 'array', items: { type: 'string' } },
      },
    },
    hasSecret: { type: 'boolean', description: 'A signing secret or SMTP password is stored (it is never returned)' },
    rateLimitPerHour: { type: 'integer' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

export const channelInputSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 64 },
    kind: { type: 'string', enum: [...CHANNEL_KINDS] },
    projectId: { ...nullableString, maxLength: 64 },
    enabled: { type: 'boolean' },
    rateLimitPerHour: { type: 'integer', minimum: 1, maximum: 1000 },
    url: { type: 'string', maxLength: 2048, description: 'webhook, slack, discord: where to POST' },
    secret: {
      type: 'string',
      maxLength: 256,
      description: 'webhook: the HMAC signing secret (Berth makes one when omitted); email: the SMTP password',
    },
    host: { type: 'string', maxLength: 253 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    security: { type: 'string', enum: ['tls', 'starttls', 'none'] },
    username: { type: 'string', maxLength: 256 },
    from: { type: 'string', maxLength: 320 },
    to: { type: 'array', items: { type: 'string', maxLength: 320 }, maxItems: 10 },
  },
} as const;

export const alertRuleSchema = {
  $id: 'AlertRule',
  type: 'object',
  required: ['kind', 'enabled', 'threshold', 'windowSeconds'],
  properties: {
    kind: { type: 'string', enum: [...RULE_KINDS] },
    label: { type: 'string' },
    unit: { ...nullableString, description: 'Unit of the threshold; null for rules without one' },
    enabled: { type: 'boolean' },
    threshold: { type: ['number', 'null'] },
    windowSeconds: { type: ['integer', 'null'], description: 'How long a CPU, memory or 5xx condition must hold' },
  },
} as const;

export const alertSchema = {
  $id: 'Alert',
  type: 'object',
  required: ['id', 'rule', 'subject', 'projectId', 'title', 'detail', 'status', 'openedAt', 'resolvedAt'],
  properties: {
    id: { type: 'string' },
    rule: { type: 'string', enum: [...RULE_KINDS] },
    subject: {
      type: 'string',
      description: 'What it is about, e.g. service:<id>; one open alert per rule and subject',
    },
    projectId: nullableString,
    title: { type: 'string' },
    detail: { type: 'string' },
    status: { type: 'string', enum: ['open', 'resolved'] },
    openedAt: { type: 'string' },
    resolvedAt: nullableString,
  },
} as const;

export const notificationDeliverySchema = {
  $id: 'NotificationDelivery',
  type: 'object',
  required: ['id', 'channelId', 'alertId', 'event', 'title', 'status', 'attempts', 'lastError', 'createdAt', 'sentAt'],
  properties: {
    id: { type: 'string' },
    channelId: { type: 'string' },
    alertId: nullableString,
    event: { type: 'string', enum: ['firing', 'resolved', 'test'] },
    title: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'sent', 'failed', 'rate_limited'] },
    attempts: { type: 'integer' },
    lastError: { ...nullableString, description: 'Why the last attempt failed' },
    nextAttemptAt: { ...nullableString, description: 'When a pending retry goes out' },
    createdAt: { type: 'string' },
    sentAt: nullableString,
  },
} as const;

export const notificationSchemas = [
  notificationChannelSchema,
  alertRuleSchema,
  alertSchema,
  notificationDeliverySchema,
];
