/**
 * Sends queued notifications: each due delivery goes to its channel; a failure is retried with
 * exponential back-off (retryBaseMs, doubling) up to MAX_ATTEMPTS, except when the destination is refused
 * by policy (retrying cannot help). A channel's rate limit (messages per hour, tests not counted) turns
 * further alert messages into `rate_limited` history rows instead of sends. Every outcome is recorded.
 */
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../lib/secret-box.js';
import { nowIso } from '../lib/ids.js';
import type { Logger } from '../logger.js';
import { findProjectById } from '../projects/projects.repository.js';
import type { HostResolver, SourcePolicy } from '../source/host-check.js';
import type { Channel, Delivery } from './alert.types.js';
import { attemptedSince, dueDeliveries, findAlert, queueDelivery, recordAttempt } from './alerts.repository.js';
import { findChannel, findChannelSecret } from './channels.repository.js';
import { DeliveryError } from './http-post.js';
import { sendNotification } from './notifier.js';

export const MAX_ATTEMPTS = 5;
export const DEFAULT_RETRY_BASE_MS = 30_000;
const BATCH = 20;
const HOUR_MS = 3_600_000;

export interface DispatcherOptions {
  policy: SourcePolicy;
  panelUrl: string;
  retryBaseMs?: number;
  resolver?: HostResolver;
  timeoutMs?: number;
}

type Outcome = Pick<Delivery, 'status' | 'attempts' | 'lastError' | 'nextAttemptAt' | 'sentAt'>;

export class Dispatcher {
  private running: Promise<number> | undefined;

  constructor(
    private readonly db: Db,
    private readonly secretBox: SecretBox,
    private readonly options: DispatcherOptions,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  /** Sends everything due now; one pass at a time (a second call waits for the running one). */
  runDue(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  /** The "Send test" button: one test message now, recorded in the history like any other. */
  async sendTest(channel: Channel): Promise<Delivery> {
    const delivery = await queueDelivery(this.db, {
      channelId: channel.id,
      alertId: null,
      event: 'test',
      title: 'Test notification',
    });
    const outcome = await this.attempt(delivery, channel, false);
    return { ...delivery, ...outcome };
  }

  private async pass(): Promise<number> {
    let sent = 0;
    for (const delivery of await dueDeliveries(this.db, nowIso(), BATCH)) {
      const channel = await findChannel(this.db, delivery.channelId);
      if (!channel) continue; // deleted meanwhile: its deliveries went with it
      await this.attempt(delivery, channel, true);
      sent++;
    }
    return sent;
  }

  private async attempt(delivery: Delivery, channel: Channel, retry: boolean): Promise<Outcome> {
    const outcome = await this.tryOnce(delivery, channel, retry);
    await recordAttempt(this.db, delivery.id, outcome);
    if (outcome.status !== 'sent' && outcome.lastError)
      this.logger.warn(
        { channel: channel.id, delivery: delivery.id, reason: outcome.lastError },
        'a notification was not delivered',
      );
    return outcome;
  }

  private async tryOnce(delivery: Delivery, channel: Channel, retry: boolean): Promise<Outcome> {
    const attempts = delivery.attempts + 1;
    const done = (status: Outcome['status'], lastError: string | null): Outcome => ({
      status,
      attempts: status === 'rate_limited' ? delivery.attempts : attempts,
      lastError,
      nextAttemptAt: null,
      sentAt: status === 'sent' ? nowIso() : null,
    });
    if (!channel.enabled && delivery.event !== 'test') return done('failed', 'the channel is disabled');
    if (delivery.event !== 'test' && delivery.attempts === 0) {
      const recent = await attemptedSince(this.db, channel.id, new Date(Date.now() - HOUR_MS).toISOString());
      if (recent >= channel.rateLimitPerHour)
        return done(
          'rate_limited',
          `not sent: the channel's limit of ${channel.rateLimitPerHour} messages per hour was reached`,
        );
    }
    try {
      const sealed = await findChannelSecret(this.db, channel.id);
      const alert = delivery.alertId ? ((await findAlert(this.db, delivery.alertId)) ?? null) : null;
      const project = alert?.projectId ? await findProjectById(this.db, alert.projectId) : undefined;
      await sendNotification(
        channel,
        sealed ? this.secretBox.decrypt(sealed) : null,
        {
          id: delivery.id,
          event: delivery.event,
          alert,
          projectName: project?.name ?? null,
          panelUrl: this.options.panelUrl,
        },
        { policy: this.options.policy, resolver: this.options.resolver, timeoutMs: this.options.timeoutMs },
      );
      return done('sent', null);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retryable = !(error instanceof DeliveryError) || error.retryable;
      if (!retry || !retryable || attempts >= MAX_ATTEMPTS) return done('failed', message);
      const delay = (this.options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS) * 2 ** (attempts - 1);
      return { ...done('pending', message), nextAttemptAt: new Date(Date.now() + delay).toISOString() };
    }
  }
}
