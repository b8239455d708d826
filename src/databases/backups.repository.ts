/** SQL for backups. Count documents are JSON columns parsed here. */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { BackupsTable } from '../db/schema.js';
import type { Backup } from './database.types.js';

function parseCounts(raw: string | null): Record<string, number> | null {
  return raw === null ? null : (JSON.parse(raw) as Record<string, number>);
}

function toBackup(row: Selectable<BackupsTable>): Backup {
  return {
    id: row.id,
    databaseId: row.database_id,
    status: row.status,
    trigger: row.trigger,
    fileName: row.file_name,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    dumpMs: row.dump_ms,
    verifyMs: row.verify_ms,
    sourceCounts: parseCounts(row.source_counts),
    restoredCounts: parseCounts(row.restored_counts),
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export async function insertBackup(
  db: Executor,
  b: { id: string; databaseId: string; trigger: Backup['trigger']; startedAt: string },
): Promise<void> {
  await db
    .insertInto('backups')
    .values({ id: b.id, database_id: b.databaseId, status: 'running', trigger: b.trigger, started_at: b.startedAt })
    .execute();
}

export interface BackupChange {
  status?: Backup['status'];
  fileName?: string;
  sizeBytes?: number;
  sha256?: string;
  dumpMs?: number;
  verifyMs?: number;
  sourceCounts?: Record<string, number>;
  restoredCounts?: Record<string, number>;
  error?: string | null;
  finishedAt?: string;
}

export async function updateBackup(db: Executor, id: string, c: BackupChange): Promise<void> {
  await db
    .updateTable('backups')
    .set({
      ...(c.status !== undefined && { status: c.status }),
      ...(c.fileName !== undefined && { file_name: c.fileName }),
      ...(c.sizeBytes !== undefined && { size_bytes: c.sizeBytes }),
      ...(c.sha256 !== undefined && { sha256: c.sha256 }),
      ...(c.dumpMs !== undefined && { dump_ms: c.dumpMs }),
      ...(c.verifyMs !== undefined && { verify_ms: c.verifyMs }),
      ...(c.sourceCounts !== undefined && { source_counts: JSON.stringify(c.sourceCounts) }),
      ...(c.restoredCounts !== undefined && { restored_counts: JSON.stringify(c.restoredCounts) }),
      ...(c.error !== undefined && { error: c.error }),
      ...(c.finishedAt !== undefined && { finished_at: c.finishedAt }),
    })
    .where('id', '=', id)
    .execute();
}

export async function findBackup(db: Executor, id: string): Promise<Backup | undefined> {
  const row = await db.selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toBackup(row);
}

/** Newest first. */
export async function listBackups(db: Executor, databaseId: string): Promise<Backup[]> {
  const rows = await db
    .selectFrom('backups')
    .selectAll()
    .where('database_id', '=', databaseId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(toBackup);
}

export async function deleteBackupRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('backups').where('id', '=', id).execute();
}

/** Backups left `running` by a daemon that stopped mid-way. */
export async function failInterruptedBackups(db: Executor, finishedAt: string): Promise<void> {
  await db
    .updateTable('backups')
    .set({ status: 'failed', error: 'The Berth daemon stopped during this backup.', finished_at: finishedAt })
    .where('status', '=', 'running')
    .execute();
}
