/**
 * Notification channels: create, change, enable/disable, delete. Destinations are checked against the
 * address policy when saved (a DNS lookup, never a connection) and again at every send. Secrets are
 * sealed with the SecretBox; a webhook secret Berth generates is returned once, at creation, and never
 * again.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { newId } from '../lib/ids.js';
import type { SecretBox } from '../lib/secret-box.js';
import { findProjectById } from '../projects/projects.repository.js';
import type { HostResolver, SourcePolicy } from '../source/host-check.js';
import type { Channel } from './alert.types.js';
import { destinationHost, validateChannel, type ChannelInput, type ValidChannel } from './channel-input.js';
import {
  deleteChannel,
  findChannel,
  findChannelSecret,
  insertChannel,
  listChannels,
  updateChannel,
} from './channels.repository.js';
import { checkDestination } from './destination.js';

export interface ChannelsDeps {
  db: Db;
  secretBox: SecretBox;
  policy: SourcePolicy;
  resolver?: HostResolver;
}

export interface CreatedChannel {
  channel: Channel;
  /** The signing secret Berth generated for a webhook channel; shown this once. */
  generatedSecret?: string;
}

export class ChannelsService {
  constructor(private readonly deps: ChannelsDeps) {}

  list(): Promise<Channel[]> {
    return listChannels(this.deps.db);
  }

  async get(id: string): Promise<Channel> {
    const channel = await findChannel(this.deps.db, id);
    if (!channel) throw new AppError('NOT_FOUND', `No notification channel ${id}.`);
    return channel;
  }

  async create(input: ChannelInput): Promise<CreatedChannel> {
    const valid = validateChannel(input);
    await this.checkPlacement(valid);
    const generatedSecret =
      valid.kind === 'webhook' && !valid.secret ? randomBytes(32).toString('base64url') : undefined;
    const secret = valid.secret ?? generatedSecret;
    const id = newId('chn');
    await insertChannel(this.deps.db, {
      id,
      name: valid.name,
      kind: valid.kind,
      projectId: valid.projectId,
      enabled: valid.enabled,
      settings: valid.settings,
      secretEncrypted: secret ? this.deps.secretBox.encrypt(secret) : null,
      rateLimitPerHour: valid.rateLimitPerHour,
    });
    return { channel: await this.get(id), ...(generatedSecret && { generatedSecret }) };
  }

  /** Changes what is given; an omitted or empty secret keeps the stored one. */
  async update(id: string, input: ChannelInput): Promise<Channel> {
    const previous = await this.get(id);
    const valid = validateChannel(input, previous);
    // Only a new destination or project is checked again: disabling a channel must work while its DNS is down.
    const moved =
      destinationHost(valid.settings) !== destinationHost(previous.settings) || valid.projectId !== previous.projectId;
    if (moved) await this.checkPlacement(valid);
    const stored = await findChannelSecret(this.deps.db, id);
    await updateChannel(this.deps.db, id, {
      name: valid.name,
      projectId: valid.projectId,
      enabled: valid.enabled,
      settings: valid.settings,
      secretEncrypted: valid.secret ? this.deps.secretBox.encrypt(valid.secret) : stored,
      rateLimitPerHour: valid.rateLimitPerHour,
    });
    return this.get(id);
  }

  setEnabled(id: string, enabled: boolean): Promise<Channel> {
    return this.update(id, { enabled });
  }

  /** Deletes the channel and its delivery history. */
  async remove(id: string): Promise<void> {
    if (!(await deleteChannel(this.deps.db, id))) throw new AppError('NOT_FOUND', `No notification channel ${id}.`);
  }

  /** The project must exist, and the destination's addresses must pass the policy (checked before any connection). */
  private async checkPlacement(valid: ValidChannel): Promise<void> {
    if (valid.projectId) {
      const project = await findProjectById(this.deps.db, valid.projectId);
      if (!project)
        throw new AppError('VALIDATION_FAILED', `No project ${valid.projectId}.`, {
          details: { projectId: 'no such project' },
        });
    }
    const field = 'url' in valid.settings ? 'url' : 'host';
    await checkDestination(destinationHost(valid.settings), this.deps.policy, field, this.deps.resolver);
  }
}
