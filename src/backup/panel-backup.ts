/**
 * `berth backup` and the panel's backup button: one encrypted file with what this Berth needs to come
 * back on another server: a consistent snapshot of the database (SQLite online backup, safe while the
 * daemon writes), the secrets (the master key that decrypts variables, session key, SSH keys),
 * certificates and settings in the data dir. Rebuildable or transient things stay out: build working
 * copies, deployment logs, upgrade snapshots, the lock.
 */
import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dataPaths } from '../data-dir.js';
import { openDatabase } from '../db/connection.js';
import { AppError } from '../errors.js';
import { isDiskFullError, requireFreeSpace } from '../lib/disk-space.js';
import { packDirectories } from '../lib/tar-archive.js';
import { BACKED_UP_ENTRIES } from './archive-entries.js';
import { encryptToFile } from './archive-crypto.js';

export const BACKUP_FORMAT = 1;
export interface BackupManifest {
  format: number;
  version: string;
  createdAt: string;
  entries: string[];
}

export async function createPanelBackup(options: {
  dataDir: string;
  passphrase: string;
  out: string;
  version: string;
}): Promise<BackupManifest> {
  const paths = dataPaths(options.dataDir);
  // Everything but the database snapshot is read straight from the data dir into the archive: the only
  // copy made is the snapshot, next to the output, so the data dir's disk needs no room for a backup.
  // Only what a restore accepts (archive-entries.ts): builds, logs, upgrade snapshots, sockets, the lock
  // and the installer's per-server settings stay behind.
  const entries = BACKED_UP_ENTRIES.filter((name) => isPackable(join(options.dataDir, name)));
  const outDir = dirname(options.out);
  const databaseBytes = sizeOf(paths.database) + sizeOf(`${paths.database}-wal`);
  const restBytes = entries.reduce((sum, name) => sum + sizeOf(join(options.dataDir, name)), 0);
  // The snapshot, then the archive (about the snapshot plus the rest) on the output's disk.
  await requireFreeSpace(outDir, 2 * databaseBytes + restBytes + 1024 * 1024, 'the backup');
  const stage = mkdtempSync(join(outDir, '.berth-backup-'));
  try {
    const handle = openDatabase(paths.database);
    try {
      await handle.backupTo(join(stage, 'berth.db'));
    } finally {
      await handle.close();
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: options.version,
      createdAt: new Date().toISOString(),
      entries: ['berth.db', ...entries],
    };
    writeFileSync(join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2));
    const archive = packDirectories([
      { dir: options.dataDir, entries, skip: (path) => !isPackable(path) },
      { dir: stage, entries: ['berth.db', 'manifest.json'] },
    ]);
    await encryptToFile(archive, options.passphrase, options.out).catch((error: unknown) => {
      rmSync(options.out, { force: true });
      if (!isDiskFullError(error)) throw error;
      throw new AppError('DISK_FULL', `The backup could not be written: the disk of ${outDir} is full (ENOSPC).`, {
        cause: error,
      });
    });
    return manifest;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Files and directories only: a socket or FIFO is live state, and a restore refuses links. */
function isPackable(path: string): boolean {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  return stat !== undefined && (stat.isFile() || stat.isDirectory());
}

/** Bytes under a path (files only; links not followed). */
function sizeOf(path: string): number {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.isFile() ? stat.size : 0;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}
