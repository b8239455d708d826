/** SQL for notification channels only. The secret column is read by the dispatcher alone. */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { NotificationChannelsTable } from '../db/schema.js';
import { nowIso } from '../lib/ids.js';
import type { Channel, ChannelSettings } from './alert.types.js';

function toChannel(row: Selectable<NotificationChannelsTable>): Channel {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    projectId: row.project_id,
    enabled: row.enabled === 1,
    settings: JSON.parse(row.settings) as ChannelSettings,
    hasSecret: row.secret_encrypted !== null,
    rateLimitPerHour: row.rate_limit_per_hour,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface ChannelRow {
  id: string;
  name: string;
  kind: Channel['kind'];
  projectId: string | null;
  enabled: boolean;
  settings: ChannelSettings;
  secretEncrypted: string | null;
  rateLimitPerHour: number;
}

export async function insertChannel(db: Executor, row: ChannelRow): Promise<void> {
  await db
    .insertInto('notification_channels')
    .values({
      id: row.id,
      name: row.name,
      kind: row.kind,
      project_id: row.projectId,
      enabled: row.enabled ? 1 : 0,
      settings: JSON.stringify(row.settings),
      secret_encrypted: row.secretEncrypted,
      rate_limit_per_hour: row.rateLimitPerHour,
    })
    .execute();
}

export async function updateChannel(db: Executor, id: string, row: Omit<ChannelRow, 'id' | 'kind'>): Promise<void> {
  await db
    .updateTable('notification_channels')
    .set({
      name: row.name,
      project_id: row.projectId,
      enabled: row.enabled ? 1 : 0,
      settings: JSON.stringify(row.settings),
      secret_encrypted: row.secretEncrypted,
      rate_limit_per_hour: row.rateLimitPerHour,
      updated_at: nowIso(),
    })
    .where('id', '=', id)
    .execute();
}

export async function deleteChannel(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('notification_channels').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function findChannel(db: Executor, id: string): Promise<Channel | undefined> {
  const row = await db.selectFrom('notification_channels').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toChannel(row);
}

export async function findChannelSecret(db: Executor, id: string): Promise<string | null> {
  const row = await db
    .selectFrom('notification_channels')
    .select('secret_encrypted')
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.secret_encrypted ?? null;
}

export async function listChannels(db: Executor): Promise<Channel[]> {
  return (await db.selectFrom('notification_channels').selectAll().orderBy('created_at').execute()).map(toChannel);
}

/** Enabled channels that get an alert of `projectId`: server channels always, project channels for their project. */
export async function channelsFor(db: Executor, projectId: string | null): Promise<Channel[]> {
  let query = db.selectFrom('notification_channels').selectAll().where('enabled', '=', 1);
  query = projectId
    ? query.where((eb) => eb.or([eb('project_id', 'is', null), eb('project_id', '=', projectId)]))
    : query.where('project_id', 'is', null);
  return (await query.orderBy('created_at').execute()).map(toChannel);
}
