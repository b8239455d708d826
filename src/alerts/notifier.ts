/** Turns one notification into the request its channel kind expects, and sends it. */
import type { HostResolver, SourcePolicy } from '../source/host-check.js';
import type { Alert, Channel, DeliveryEvent } from './alert.types.js';
import { postJson } from './http-post.js';
import { sendMail } from './mailer.js';
import { signWebhook } from './webhook-signature.js';

export interface Notification {
  /** The delivery's id: the same across retries, so a receiver can drop a repeat. */
  id: string;
  event: DeliveryEvent;
  alert: Alert | null;
  /** The project's name when the alert belongs to one. */
  projectName: string | null;
  /** The panel's URL, for a link back. */
  panelUrl: string;
}

export interface SendOptions {
  policy: SourcePolicy;
  resolver?: HostResolver;
  timeoutMs?: number;
}

const DISCORD_MAX = 2000;

export function headline(n: Notification): string {
  if (!n.alert) return 'Berth: test notification';
  const prefix = n.event === 'resolved' ? 'Resolved' : 'Alert';
  return `[${prefix}] ${n.alert.title}`;
}

export function messageText(n: Notification): string {
  if (!n.alert) return `This is a test message from Berth (${n.panelUrl}). The channel works.`;
  const lines = [headline(n), n.alert.detail];
  if (n.projectName) lines.push(`Project: ${n.projectName}`);
  lines.push(n.event === 'resolved' ? `Resolved at ${n.alert.resolvedAt}` : `Since ${n.alert.openedAt}`);
  lines.push(`${n.panelUrl}/notifications`);
  return lines.join('\n');
}

export function webhookBody(n: Notification): string {
  return JSON.stringify({
    id: n.id,
    event: n.event,
    sentAt: new Date().toISOString(),
    panelUrl: n.panelUrl,
    project: n.projectName,
    alert: n.alert && {
      id: n.alert.id,
      rule: n.alert.rule,
      subject: n.alert.subject,
      projectId: n.alert.projectId,
      title: n.alert.title,
      detail: n.alert.detail,
      status: n.alert.status,
      openedAt: n.alert.openedAt,
      resolvedAt: n.alert.resolvedAt,
    },
  });
}

export async function sendNotification(
  channel: Channel,
  secret: string | null,
  n: Notification,
  options: SendOptions,
): Promise<void> {
  const settings = channel.settings;
  if ('url' in settings) {
    const url = new URL(settings.url);
    if (channel.kind === 'webhook') {
      const body = webhookBody(n);
      const timestamp = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = {
        'x-berth-event': n.event,
        'x-berth-delivery': n.id,
        'x-berth-timestamp': String(timestamp),
      };
      if (secret) headers['x-berth-signature'] = signWebhook(secret, timestamp, body);
      return postJson(url, body, headers, options);
    }
    const text = messageText(n);
    // Slack's incoming webhooks take {text}; Discord's take {content} of at most 2000 characters.
    const payload = channel.kind === 'slack' ? { text } : { content: text.slice(0, DISCORD_MAX) };
    return postJson(url, JSON.stringify(payload), {}, options);
  }
  await sendMail(
    { ...settings, password: secret },
    { subject: headline(n), text: messageText(n) },
    { policy: options.policy, resolver: options.resolver },
  );
}
