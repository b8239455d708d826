/**
 * Volume backups: a tar archive of the volume's contents in the data dir, made by a helper container that
 * mounts the volume read-only, then **verified**: restored into a scratch volume whose manifest (every
 * file's path, size and sha256) must equal the source volume's. A backup is `running`, then `verified` or
 * `failed` with the reason. A restore empties the service's volume and extracts a verified archive into it
 * while the service's containers are stopped, then starts them again. Retention: the newest
 * KEEP_VERIFIED verified and KEEP_FAILED failed backups of each volume are kept.
 *
 * One operation per volume at a time (a second is refused with 409). A backup of a volume the app writes
 * to meanwhile can fail verification (the files changed between the archive and the check): it says so.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../logger.js';
import { getAppService } from '../projects/services.service.js';
import type { Runtime } from '../runtime/runtime.js';
import {
  isReplicaContainer,
  isWorkerContainer,
  LABELS,
  ROLES,
  serviceLabels,
  serviceSelector,
} from '../workloads/labels.js';
import { scratchVolumeName } from '../workloads/names.js';
import type { VolumeOwner } from '../workloads/volume-spec.js';
import { serviceVolumeSpec } from '../workloads/volume-spec.js';
import { backupFileName, backupFilePath, ensureBackupsDir } from './backup-files.js';
import {
  archiveVolume,
  extractIntoVolume,
  manifestDifference,
  manifestOfVolume,
  type ArchiveDeps,
} from './volume-archive.js';
import type { ServiceVolume, VolumeBackup } from './volume.types.js';
import {
  deleteBackupRow,
  failRunningBackups,
  findBackup,
  finishBackup,
  insertBackup,
  listBackupsOfVolume,
  markBackupRestored,
} from './volumes.repository.js';

export const KEEP_VERIFIED = 7;
export const KEEP_FAILED = 3;

export interface VolumeBackupDeps {
  db: Db;
  runtime: Runtime;
  logger: Logger;
  backupsDir: string;
  helperImage: string;
  /** Routes the service's containers again after a restore restarted them (their addresses can change). */
  routeAgain(serviceId: string): Promise<void>;
  /** This install's id: recovery removes only the helper containers and scratch volumes it made. */
  installId?: string;
}

export class VolumeBackups {
  private readonly busy = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly deps: VolumeBackupDeps) {}

  list(volume: ServiceVolume): Promise<VolumeBackup[]> {
    return listBackupsOfVolume(this.deps.db, volume.id).then((rows) => rows.map(withoutFile));
  }

  async get(volume: ServiceVolume, backupId: string): Promise<VolumeBackup> {
    const backup = await findBackup(this.deps.db, backupId);
    if (!backup || backup.volumeId !== volume.id) throw new AppError('NOT_FOUND', `No backup with id "${backupId}".`);
    return withoutFile(backup);
  }

  /** Starts a backup and answers at once with its `running` row; the archive and the check go on behind. */
  async create(volume: ServiceVolume): Promise<VolumeBackup> {
    const owner = await this.ownerOf(volume);
    this.claim(volume.id);
    const id = newId('vbk');
    try {
      await insertBackup(this.deps.db, id, volume.id);
    } catch (error) {
      this.busy.delete(volume.id);
      throw error;
    }
    const work = this.archiveAndVerify(owner, volume, id)
      .catch((error: unknown) => this.deps.logger.error({ err: error, backupId: id }, 'volume backup crashed'))
      .finally(() => {
        this.busy.delete(volume.id);
        this.running.delete(id);
      });
    this.running.set(id, work);
    return this.get(volume, id);
  }

  /**
   * At start: backups a stopped daemon left `running` are failed (their partial archives removed), and the
   * helper containers and scratch volumes of this install are removed.
   */
  async recover(): Promise<void> {
    const { db, runtime, backupsDir, installId } = this.deps;
    for (const file of await failRunningBackups(db, 'Interrupted: the Berth daemon stopped during the backup.')) {
      await rm(backupFilePath(backupsDir, file), { force: true });
    }
    if (installId === undefined) return;
    const mine = { [LABELS.role]: ROLES.volumeHelper, [LABELS.install]: installId };
    await runtime.removeContainersByLabel(mine);
    for (const v of await runtime.listVolumes(mine)) await runtime.removeVolume(v.name);
  }

  /** Resolves when the backup's work is over (tests, shutdown). */
  async settle(backupId?: string): Promise<void> {
    if (backupId) await this.running.get(backupId);
    else await Promise.all([...this.running.values()]);
  }

  /** Restores a verified backup into the service's volume (service containers stopped meanwhile). */
  async restore(volume: ServiceVolume, backupId: string): Promise<VolumeBackup> {
    const backup = await findBackup(this.deps.db, backupId);
    if (!backup || backup.volumeId !== volume.id) throw new AppError('NOT_FOUND', `No backup with id "${backupId}".`);
    if (backup.status !== 'verified' || !backup.fileName)
      throw new AppError('CONFLICT', 'Only a verified backup can be restored.');
    const owner = await this.ownerOf(volume);
    this.claim(volume.id);
    const { runtime } = this.deps;
    const stopped: string[] = [];
    try {
      const spec = serviceVolumeSpec(owner, volume.name);
      await runtime.ensureVolume(spec.name, spec.labels);
      const containers = await runtime.listContainers(serviceSelector(volume.serviceId));
      // The web replicas and the workers mount the volume (a cron run that is going is left alone).
      const mounting = (c: (typeof containers)[number]) => isReplicaContainer(c.labels) || isWorkerContainer(c.labels);
      for (const c of containers.filter((c) => mounting(c) && c.state === 'running')) {
        // An old release's container can be removed by its drain meanwhile: gone is as good as stopped.
        const isGone = await runtime.stopContainer(c.id, 10).then(
          () => false,
          async (error: unknown) => {
            if ((await runtime.inspectContainer(c.id)) === undefined) return true;
            throw error;
          },
        );
        if (!isGone) stopped.push(c.id);
      }
      const file = backupFilePath(this.deps.backupsDir, backup.fileName);
      await extractIntoVolume(this.archiveDeps(), owner, volume.id, volume.dockerName, file, { empty: true });
      await markBackupRestored(this.deps.db, backupId);
    } finally {
      for (const id of stopped) {
        await runtime
          .startContainer(id)
          .catch((error: unknown) => this.deps.logger.warn({ err: error, id }, 'could not start a container again'));
      }
      if (stopped.length > 0) await this.deps.routeAgain(volume.serviceId).catch(() => {});
      this.busy.delete(volume.id);
    }
    return this.get(volume, backupId);
  }

  async remove(volume: ServiceVolume, backupId: string): Promise<void> {
    const backup = await findBackup(this.deps.db, backupId);
    if (!backup || backup.volumeId !== volume.id) throw new AppError('NOT_FOUND', `No backup with id "${backupId}".`);
    if (backup.status === 'running') throw new AppError('CONFLICT', 'The backup is still running.');
    if (backup.fileName) await rm(backupFilePath(this.deps.backupsDir, backup.fileName), { force: true });
    await deleteBackupRow(this.deps.db, backupId);
  }

  private async archiveAndVerify(owner: VolumeOwner, volume: ServiceVolume, id: string): Promise<void> {
    const { runtime, db, backupsDir } = this.deps;
    const fileName = backupFileName(id);
    const file = backupFilePath(backupsDir, fileName);
    const scratch = scratchVolumeName(id);
    try {
      await ensureBackupsDir(backupsDir);
      const spec = serviceVolumeSpec(owner, volume.name);
      await runtime.ensureVolume(spec.name, spec.labels);
      await archiveVolume(this.archiveDeps(), owner, volume.id, volume.dockerName, file);
      const source = await manifestOfVolume(this.archiveDeps(), owner, volume.id, volume.dockerName);
      await runtime.ensureVolume(scratch, { ...serviceLabels(owner), [LABELS.role]: ROLES.volumeHelper });
      await extractIntoVolume(this.archiveDeps(), owner, volume.id, scratch, file, { empty: false });
      const restored = await manifestOfVolume(this.archiveDeps(), owner, volume.id, scratch);
      const difference = manifestDifference(source, restored);
      if (difference) throw new AppError('INTERNAL', `Verification failed: ${difference}.`);
      const { size } = await stat(file);
      await finishBackup(db, id, {
        status: 'verified',
        fileName,
        sizeBytes: size,
        fileCount: source.size,
        sha256: await sha256Of(file),
      });
    } catch (error) {
      await rm(file, { force: true }).catch(() => {});
      const message = error instanceof Error ? error.message : String(error);
      await finishBackup(db, id, { status: 'failed', error: message });
      this.deps.logger.warn({ err: error, backupId: id }, 'volume backup failed');
    } finally {
      await runtime.removeVolume(scratch).catch(() => {});
    }
    await this.applyRetention(volume.id).catch((error: unknown) =>
      this.deps.logger.warn({ err: error, volumeId: volume.id }, 'volume backup retention failed'),
    );
  }

  private async applyRetention(volumeId: string): Promise<void> {
    const all = await listBackupsOfVolume(this.deps.db, volumeId);
    const old = [
      ...all.filter((b) => b.status === 'verified').slice(KEEP_VERIFIED),
      ...all.filter((b) => b.status === 'failed').slice(KEEP_FAILED),
    ];
    for (const b of old) {
      if (b.fileName) await rm(backupFilePath(this.deps.backupsDir, b.fileName), { force: true });
      await deleteBackupRow(this.deps.db, b.id);
    }
  }

  private claim(volumeId: string): void {
    if (this.busy.has(volumeId))
      throw new AppError('CONFLICT', 'A backup or restore of this volume is running; try again when it is done.');
    this.busy.add(volumeId);
  }

  private async ownerOf(volume: ServiceVolume): Promise<VolumeOwner> {
    const service = await getAppService(this.deps.db, volume.serviceId);
    return { projectId: service.projectId, serviceId: service.id };
  }

  private archiveDeps(): ArchiveDeps {
    return { runtime: this.deps.runtime, helperImage: this.deps.helperImage };
  }
}

function withoutFile(backup: VolumeBackup & { fileName?: string | null }): VolumeBackup {
  const { fileName: _ignored, ...rest } = backup;
  return rest;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
