/**
 * Mail that is not an alert (an invitation link), sent through the SMTP settings the operator already gave
 * Berth: the oldest enabled server-wide email channel. Its recipients are not used; the message goes to the
 * address the caller names. Same wrapper, same address policy and same timeouts as alert mail.
 */
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { HostResolver, SourcePolicy } from '../source/host-check.js';
import type { Channel } from './alert.types.js';
import { findChannelSecret, listChannels } from './channels.repository.js';
import { sendMail } from './mailer.js';

export interface ServerMailDeps {
  db: Db;
  secretBox: SecretBox;
  policy: SourcePolicy;
  resolver?: HostResolver;
}

/** Which channel would carry server mail (never its secret). */
export interface ServerMailSource {
  channelId: string;
  channelName: string;
  from: string;
}

export class ServerMail {
  constructor(private readonly deps: ServerMailDeps) {}

  private async channel(): Promise<Channel | undefined> {
    const channels = await listChannels(this.deps.db);
    return channels.find((c) => c.kind === 'email' && c.projectId === null && c.enabled);
  }

  /** The channel server mail goes through, or undefined when no SMTP is configured. */
  async source(): Promise<ServerMailSource | undefined> {
    const channel = await this.channel();
    if (!channel || !('from' in channel.settings)) return undefined;
    return { channelId: channel.id, channelName: channel.name, from: channel.settings.from };
  }

  /**
   * Sends one plain-text mail to `to`. Throws an Error whose message says what SMTP answered (never the
   * password), or that no server-wide email channel exists.
   */
  async send(to: string, message: { subject: string; text: string }): Promise<void> {
    const channel = await this.channel();
    if (!channel || !('from' in channel.settings)) throw new Error('No server-wide email channel is configured.');
    const sealed = await findChannelSecret(this.deps.db, channel.id);
    await sendMail(
      { ...channel.settings, to: [to], password: sealed ? this.deps.secretBox.decrypt(sealed) : null },
      message,
      { policy: this.deps.policy, resolver: this.deps.resolver },
    );
  }
}
