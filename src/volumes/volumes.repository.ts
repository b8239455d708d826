/** SQL of service volumes and their backups (0025); rows are mapped to the types of volume.types.ts. */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { ServiceVolumesTable, VolumeBackupsTable } from '../db/schema.js';
import { nowIso } from '../lib/ids.js';
import { serviceVolumeName } from '../workloads/names.js';
import type { ServiceVolume, VolumeBackup, VolumeBackupStatus, VolumeInput } from './volume.types.js';

function toVolume(row: Selectable<ServiceVolumesTable>): ServiceVolume {
  return {
    id: row.id,
    serviceId: row.service_id,
    name: row.name,
    mountPath: row.mount_path,
    shared: row.shared === 1,
    dockerName: serviceVolumeName(row.service_id, row.name),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toBackup(row: Selectable<VolumeBackupsTable>): VolumeBackup {
  return {
    id: row.id,
    volumeId: row.volume_id,
    status: row.status,
    sizeBytes: row.size_bytes,
    fileCount: row.file_count,
    sha256: row.sha256,
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    restoredAt: row.restored_at,
  };
}

export async function insertVolume(db: Executor, id: string, serviceId: string, input: VolumeInput): Promise<void> {
  const now = nowIso();
  await db
    .insertInto('service_volumes')
    .values({
      id,
      service_id: serviceId,
      name: input.name,
      mount_path: input.mountPath,
      shared: input.shared ? 1 : 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

export async function updateVolume(
  db: Executor,
  id: string,
  change: Partial<Pick<VolumeInput, 'mountPath' | 'shared'>>,
): Promise<void> {
  await db
    .updateTable('service_volumes')
    .set({
      ...(change.mountPath !== undefined ? { mount_path: change.mountPath } : {}),
      ...(change.shared !== undefined ? { shared: change.shared ? 1 : 0 } : {}),
      updated_at: nowIso(),
    })
    .where('id', '=', id)
    .execute();
}

export async function findVolume(db: Executor, id: string): Promise<ServiceVolume | undefined> {
  const row = await db.selectFrom('service_volumes').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toVolume(row);
}

export async function listVolumesOfService(db: Executor, serviceId: string): Promise<ServiceVolume[]> {
  const rows = await db
    .selectFrom('service_volumes')
    .selectAll()
    .where('service_id', '=', serviceId)
    .orderBy('name')
    .execute();
  return rows.map(toVolume);
}

export async function deleteVolumeRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('service_volumes').where('id', '=', id).execute();
}

export async function insertBackup(db: Executor, id: string, volumeId: string): Promise<void> {
  await db
    .insertInto('volume_backups')
    .values({ id, volume_id: volumeId, status: 'running', started_at: nowIso() })
    .execute();
}

export async function finishBackup(
  db: Executor,
  id: string,
  result: {
    status: Exclude<VolumeBackupStatus, 'running'>;
    fileName?: string | null;
    sizeBytes?: number | null;
    fileCount?: number | null;
    sha256?: string | null;
    error?: string | null;
  },
): Promise<void> {
  await db
    .updateTable('volume_backups')
    .set({
      status: result.status,
      file_name: result.fileName ?? null,
      size_bytes: result.sizeBytes ?? null,
      file_count: result.fileCount ?? null,
      sha256: result.sha256 ?? null,
      error: result.error ?? null,
      finished_at: nowIso(),
    })
    .where('id', '=', id)
    .execute();
}

export async function markBackupRestored(db: Executor, id: string): Promise<void> {
  await db.updateTable('volume_backups').set({ restored_at: nowIso() }).where('id', '=', id).execute();
}

export async function findBackup(
  db: Executor,
  id: string,
): Promise<(VolumeBackup & { fileName: string | null }) | undefined> {
  const row = await db.selectFrom('volume_backups').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { ...toBackup(row), fileName: row.file_name };
}

export async function listBackupsOfVolume(
  db: Executor,
  volumeId: string,
): Promise<(VolumeBackup & { fileName: string | null })[]> {
  const rows = await db
    .selectFrom('volume_backups')
    .selectAll()
    .where('volume_id', '=', volumeId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((row) => ({ ...toBackup(row), fileName: row.file_name }));
}

export async function deleteBackupRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('volume_backups').where('id', '=', id).execute();
}

/** Backups left `running` by a daemon that stopped: failed, with the reason. Returns their file names. */
export async function failRunningBackups(db: Executor, reason: string): Promise<string[]> {
  const rows = await db.selectFrom('volume_backups').select(['id']).where('status', '=', 'running').execute();
  for (const row of rows) {
    await db
      .updateTable('volume_backups')
      .set({ status: 'failed', error: reason, finished_at: nowIso() })
      .where('id', '=', row.id)
      .execute();
  }
  return rows.map((r) => `${r.id}.tar`);
}
