/**
 * `berth restore <archive>`: puts a panel backup into a fresh data dir (refuses one that already has a
 * database) and queues a redeploy of every app that was live, which the daemon runs when it starts
 * (deploy recovery resumes queued deployments): from its last image when that image is on this server,
 * else from its source (git at the same commit, or the image reference). Nothing is written to the data
 * dir until the archive has been decrypted, verified and unpacked. An archive with links or unknown
 * top-level names is refused (archive-entries.ts); restored git repositories get Berth's own config and
 * no hooks (restored-repos.ts).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataPaths, ensureDataDir } from '../data-dir.js';
import { openDatabase, tryExclusiveLock } from '../db/connection.js';
import { migrateToLatest } from '../db/migrate.js';
import { listDeploymentsByStatus, insertDeployment } from '../deploys/deployments.repository.js';
import { AppError } from '../errors.js';
import { newId } from '../lib/ids.js';
import { extractFileChecked } from '../lib/tar-archive.js';
import { markDatabasesForRecreate } from '../databases/restore-on-recreate.js';
import { listProjectIds } from '../projects/projects.repository.js';
import { listServiceIds } from '../projects/services.repository.js';
import { ArchiveEntryCheck } from './archive-entries.js';
import { decryptToFile } from './archive-crypto.js';
import { BACKUP_FORMAT, type BackupManifest } from './panel-backup.js';
import { resetRestoredRepositories } from './restored-repos.js';

export interface RestoreResult {
  manifest: BackupManifest;
  projects: number;
  services: number;
  redeploys: number;
  /** Managed databases to recreate (from their latest verified backup) when the daemon starts. */
  databases: number;
}

export async function restorePanelBackup(options: {
  archive: string;
  passphrase: string;
  dataDir: string;
  /** Whether an image is on this server (a redeploy reuses it, else rebuilds or pulls). */
  hasImage: (ref: string) => Promise<boolean>;
}): Promise<RestoreResult> {
  const paths = dataPaths(options.dataDir);
  if (!existsSync(options.archive)) throw new AppError('NOT_FOUND', `No file ${options.archive}.`);
  if (existsSync(paths.database))
    throw new AppError(
      'VALIDATION_FAILED',
      `${options.dataDir} already has a Berth database; restore into a fresh data dir (or move it aside first).`,
    );
  // Decrypt, unpack and verify away from the data dir: a wrong passphrase or a damaged file leaves it untouched.
  const work = mkdtempSync(join(tmpdir(), 'berth-restore-'));
  try {
    const tarFile = join(work, 'backup.tar');
    await decryptToFile(options.archive, options.passphrase, tarFile);
    const stage = join(work, 'files');
    const entries = new ArchiveEntryCheck();
    await extractFileChecked(tarFile, stage, entries.accept);
    rmSync(tarFile);
    entries.check();
    const manifest = JSON.parse(readFileSync(join(stage, 'manifest.json'), 'utf8')) as BackupManifest;
    if (manifest.format !== BACKUP_FORMAT || !existsSync(join(stage, 'berth.db')))
      throw new AppError('VALIDATION_FAILED', 'This backup was made by an unknown version of Berth.');

    // Bring it up to this version's schema and queue the redeploys before anything moves into place.
    const handle = openDatabase(join(stage, 'berth.db'));
    let counts: Omit<RestoreResult, 'manifest'>;
    try {
      await migrateToLatest(handle.db);
      // Database containers and volumes are not in the archive: the daemon recreates each database at
      // start and restores its latest verified backup (the dump files are in the archive) into it.
      counts = {
        ...(await queueRedeploys(handle.db, options.hasImage)),
        databases: await markDatabasesForRecreate(handle.db),
      };
    } finally {
      await handle.close();
    }

    resetRestoredRepositories(join(stage, 'repos'), options.dataDir);

    ensureDataDir(paths);
    const lock = tryExclusiveLock(paths.lock);
    if (!lock) throw new AppError('DATA_DIR_LOCKED', `A Berth daemon is running on ${options.dataDir}; stop it first.`);
    try {
      for (const name of readdirSync(stage)) {
        if (name === 'manifest.json' || name.endsWith('-wal') || name.endsWith('-shm')) continue;
        rmSync(join(options.dataDir, name), { recursive: true, force: true });
        cpSync(join(stage, name), join(options.dataDir, name), { recursive: true, preserveTimestamps: true });
      }
    } finally {
      lock.release();
    }
    return { manifest, ...counts };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

type Db = ReturnType<typeof openDatabase>['db'];

async function queueRedeploys(db: Db, hasImage: (ref: string) => Promise<boolean>) {
  const projects = (await listProjectIds(db)).length;
  const services = (await listServiceIds(db)).length;
  let redeploys = 0;
  for (const active of await listDeploymentsByStatus(db, ['active'])) {
    const reuseImage = active.image !== null && (await hasImage(active.image));
    await insertDeployment(db, {
      id: newId('dep'),
      service_id: active.serviceId,
      trigger: reuseImage ? 'rollback' : 'manual',
      triggered_by: null,
      image: reuseImage ? active.image : null,
      rollback_of: reuseImage ? active.id : null,
      commit_sha: active.commit?.sha ?? null,
      commit_message: active.commit?.message ?? null,
      commit_author: active.commit?.author ?? null,
    });
    redeploys++;
  }
  return { projects, services, redeploys };
}
