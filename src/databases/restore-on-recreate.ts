/**
 * A database recreated on a NEW (empty) volume gets its data back from its latest verified backup.
 * This is what brings databases back after `berth restore` on a fresh server: the panel backup carries
 * the rows and the verified dump files (data dir `database-backups/`), but not the engine's volumes.
 * It also covers a volume that was lost while its record and backups remained.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/connection.js';
import { nowIso } from '../lib/ids.js';
import { listBackups } from './backups.repository.js';
import type { ManagedDatabase } from './database.types.js';
import { restoreFromFile, sha256OfFile } from './dump-restore.js';
import { markAllDatabasesForRecreate } from './databases.repository.js';
import { ENGINES } from './engines/index.js';
import type { DatabaseCredentials } from './engines/types.js';
import { cleanMessage, type ToolTarget } from './tool-runner.js';

/**
 * Set on every database row by a panel restore (as its last message, which the panel shows while it
 * waits): the daemon recreates the database at start and reports what it found instead.
 */
export const AWAITING_RECREATE = 'Restored with the panel backup: Berth recreates it from its latest verified backup.';

/** What a panel restore does to the database rows: none of their containers exist on the new server. */
export async function markDatabasesForRecreate(db: Db): Promise<number> {
  return markAllDatabasesForRecreate(db, AWAITING_RECREATE, nowIso());
}

const RESTORED = 'Restored from backup ';

/** Whether the last message is news rather than a problem (the panel shows it as a note). */
export function isRecreateNote(message: string | null): boolean {
  return message !== null && (message.startsWith(RESTORED) || message === AWAITING_RECREATE);
}

export interface SeedOutcome {
  /** The message for the database's record, shown in the panel. */
  message: string | null;
  /** Set when the dump could not be restored: the database is marked failed with it. */
  failure?: string;
}

/**
 * Restores the newest verified backup whose file is intact into a freshly created, healthy container.
 * Says so when there is none (only when the database was waiting for it: a brand-new database has no
 * backups and needs no message).
 */
export async function seedFromLatestBackup(options: {
  db: Db;
  /** The new server's container or pod. */
  target: ToolTarget;
  backupsDir: string;
  database: ManagedDatabase;
  credentials: DatabaseCredentials;
}): Promise<SeedOutcome> {
  const { database, credentials } = options;
  const verified = (await listBackups(options.db, database.id)).filter((b) => b.status === 'verified' && b.fileName);
  for (const backup of verified) {
    const file = join(options.backupsDir, database.id, backup.fileName!);
    // A missing or changed file is skipped for an older intact one rather than restored.
    if (!existsSync(file) || (await sha256OfFile(file)) !== backup.sha256) continue;
    const when = backup.finishedAt ?? backup.startedAt;
    try {
      await restoreFromFile(options.target, ENGINES[database.engine], credentials, file);
    } catch (error) {
      const reason = cleanMessage(error instanceof Error ? error.message : String(error), [credentials]);
      return {
        message: null,
        failure: `Restore of backup ${backup.id} (${when}) into the new volume failed: ${reason}`,
      };
    }
    return { message: `${RESTORED}${backup.id} of ${when}.` };
  }
  if (verified.length > 0 || database.lastError === AWAITING_RECREATE) {
    return {
      message:
        verified.length > 0
          ? 'No intact verified backup file was found: started empty.'
          : 'No verified backup: started empty.',
    };
  }
  return { message: null };
}
