/**
 * The rules of service volumes: list (with each volume's size on disk), add, change the mount path or the
 * shared flag (both take effect at the next deploy), delete. The Docker volume is made at the next deploy
 * (volume-deploy-mode.ts) and kept across deploys and rollbacks; deleting a volume removes the Docker
 * volume and its backups, and is refused while the service's running containers mount it (the engine's own
 * in-use check): deleting the service deletes its volumes with it (removeAllOf).
 */
import { rm } from 'node:fs/promises';
import type { Db } from '../db/connection.js';
import { isUniqueViolation } from '../projects/projects.repository.js';
import { requireDockerScheduler, type SchedulerName } from '../config-scheduler.js';
import { AppError, isAppError } from '../errors.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../logger.js';
import { getAppService } from '../projects/services.service.js';
import type { Runtime } from '../runtime/runtime.js';
import { serviceSelector } from '../workloads/labels.js';
import { parseVolumeChange, parseVolumeInput } from './volume-input.js';
import type { ServiceVolume, VolumeView } from './volume.types.js';
import {
  deleteVolumeRow,
  findVolume,
  insertVolume,
  listBackupsOfVolume,
  listVolumesOfService,
  updateVolume,
} from './volumes.repository.js';
import { backupFilePath } from './backup-files.js';

export interface VolumesDeps {
  db: Db;
  /** BERTH_SCHEDULER: volumes exist on Docker only (absent: docker). */
  scheduler?: SchedulerName;
  runtime: Runtime;
  logger: Logger;
  /** Where volume backups are kept (data/volume-backups). */
  backupsDir: string;
}

/** Most volumes one service may have. */
const MAX_VOLUMES = 10;

export class VolumesService {
  constructor(private readonly deps: VolumesDeps) {}

  async list(serviceId: string): Promise<VolumeView[]> {
    await getAppService(this.deps.db, serviceId);
    const volumes = await listVolumesOfService(this.deps.db, serviceId);
    if (volumes.length === 0) return [];
    const sizes = await this.deps.runtime.volumeSizes(serviceSelector(serviceId)).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, serviceId }, 'could not read volume sizes');
      return {} as Record<string, number>;
    });
    return volumes.map((v) => ({ ...v, sizeBytes: sizes[v.dockerName] ?? null }));
  }

  /** The volumes as configured, without asking the engine for sizes (audit, cheap reads). */
  async listConfigured(serviceId: string): Promise<ServiceVolume[]> {
    return listVolumesOfService(this.deps.db, serviceId);
  }

  /** The volume, when it belongs to the service (else NOT_FOUND: ids of other services are not confirmed). */
  async get(volumeId: string, serviceId: string): Promise<ServiceVolume> {
    const volume = await findVolume(this.deps.db, volumeId);
    if (!volume || volume.serviceId !== serviceId) throw new AppError('NOT_FOUND', `No volume with id "${volumeId}".`);
    return volume;
  }

  async create(serviceId: string, body: Record<string, unknown>): Promise<ServiceVolume> {
    requireDockerScheduler(this.deps.scheduler, 'Volumes are');
    const input = parseVolumeInput(body);
    await getAppService(this.deps.db, serviceId);
    const existing = await listVolumesOfService(this.deps.db, serviceId);
    if (existing.length >= MAX_VOLUMES)
      throw new AppError('CONFLICT', `A service can have at most ${MAX_VOLUMES} volumes.`);
    this.refuseOverlap(existing, input.mountPath);
    const id = newId('vol');
    try {
      await insertVolume(this.deps.db, id, serviceId, input);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError('CONFLICT', `The service already has a volume named ${input.name}.`, {
          details: { name: 'is taken' },
        });
      throw error;
    }
    return (await findVolume(this.deps.db, id))!;
  }

  async update(volumeId: string, serviceId: string, body: Record<string, unknown>): Promise<ServiceVolume> {
    const volume = await this.get(volumeId, serviceId);
    const change = parseVolumeChange(body);
    if (change.mountPath !== undefined && change.mountPath !== volume.mountPath) {
      const others = (await listVolumesOfService(this.deps.db, serviceId)).filter((v) => v.id !== volumeId);
      this.refuseOverlap(others, change.mountPath);
    }
    await updateVolume(this.deps.db, volumeId, change);
    return (await findVolume(this.deps.db, volumeId))!;
  }

  /** Deletes the volume, its data and its backups; refused (409) while running containers mount it. */
  async remove(volumeId: string, serviceId: string): Promise<void> {
    const volume = await this.get(volumeId, serviceId);
    await this.removeDockerVolume(volume);
    await this.removeBackupFiles(volume.id);
    await deleteVolumeRow(this.deps.db, volume.id);
  }

  /**
   * Service delete (lifecycle): after its containers are gone, every volume of the service and every
   * backup file, whatever the rows say (the rows go with the service by cascade). Returns how many.
   */
  async removeAllOf(serviceId: string): Promise<number> {
    const volumes = await listVolumesOfService(this.deps.db, serviceId);
    for (const v of volumes) await this.removeBackupFiles(v.id);
    const onEngine = await this.deps.runtime.listVolumes(serviceSelector(serviceId));
    for (const v of onEngine) await this.deps.runtime.removeVolume(v.name);
    return onEngine.length;
  }

  private async removeDockerVolume(volume: ServiceVolume): Promise<void> {
    try {
      await this.deps.runtime.removeVolume(volume.dockerName);
    } catch (error) {
      if (isAppError(error) && error.code === 'DOCKER_ERROR' && /in use/i.test(error.message)) {
        throw new AppError(
          'CONFLICT',
          `The volume ${volume.name} is mounted by containers of the service, so it was not deleted. ` +
            'Delete the service to delete it with its volumes.',
        );
      }
      throw error;
    }
  }

  private async removeBackupFiles(volumeId: string): Promise<void> {
    for (const b of await listBackupsOfVolume(this.deps.db, volumeId)) {
      if (b.fileName) await rm(backupFilePath(this.deps.backupsDir, b.fileName), { force: true });
    }
  }

  private refuseOverlap(volumes: ServiceVolume[], mountPath: string): void {
    const clash = volumes.find(
      (v) =>
        v.mountPath === mountPath || v.mountPath.startsWith(`${mountPath}/`) || mountPath.startsWith(`${v.mountPath}/`),
    );
    if (clash)
      throw new AppError(
        'CONFLICT',
        `The mount path ${mountPath} overlaps the volume ${clash.name} (${clash.mountPath}).`,
        {
          details: { mountPath: 'overlaps another volume' },
        },
      );
  }
}
