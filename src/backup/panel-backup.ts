/**
 * `berth backup` and the panel's backup button: one encrypted file with what this Berth needs to come
 * back on another server: a consistent snapshot of the database (SQLite online backup, safe while the
 * daemon writes), the secrets (the master key that decrypts variables, session key, SSH keys),
 * certificates and settings in the data dir. Rebuildable or transient things stay out: build working
 * copies, deployment logs, upgrade snapshots, the lock.
 */
import { cpSync, existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataPaths } from '../data-dir.js';
import { openDatabase } from '../db/connection.js';
import { packDirectory } from '../lib/tar-archive.js';
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
  const stage = mkdtempSync(join(options.dataDir, '.backup-'));
  try {
    const handle = openDatabase(paths.database);
    try {
      await handle.backupTo(join(stage, 'berth.db'));
    } finally {
      await handle.close();
    }
    const entries = ['berth.db'];
    // Only what a restore accepts (archive-entries.ts): builds, logs, upgrade snapshots, sockets, the lock
    // and the installer's per-server settings stay behind.
    for (const name of BACKED_UP_ENTRIES) {
      if (!existsSync(join(options.dataDir, name))) continue;
      cpSync(join(options.dataDir, name), join(stage, name), {
        recursive: true,
        preserveTimestamps: true,
        // Files and directories only: a socket or FIFO is live state, and a restore refuses links.
        filter: (from) => {
          const stat = lstatSync(from);
          return stat.isFile() || stat.isDirectory();
        },
      });
      entries.push(name);
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: options.version,
      createdAt: new Date().toISOString(),
      entries,
    };
    writeFileSync(join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2));
    await encryptToFile(packDirectory(stage), options.passphrase, options.out);
    return manifest;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
