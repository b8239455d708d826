/** Service volumes and their backups as the rest of Berth sees them (rows mapped by volumes.repository.ts). */

export interface ServiceVolume {
  id: string;
  serviceId: string;
  name: string;
  /** Absolute, normalised path inside every container of the service. */
  mountPath: string;
  /** Old and new containers may use it at once during a deploy (else the deploy stops the old ones first). */
  shared: boolean;
  /** The Docker volume's name (workloads/names.ts). */
  dockerName: string;
  createdAt: string;
  updatedAt: string;
}

/** A volume with what the engine says about it. */
export interface VolumeView extends ServiceVolume {
  /** Bytes on disk; null while unknown (never created yet, or the engine did not answer). */
  sizeBytes: number | null;
}

export type VolumeBackupStatus = 'running' | 'verified' | 'failed';

export interface VolumeBackup {
  id: string;
  volumeId: string;
  status: VolumeBackupStatus;
  sizeBytes: number | null;
  fileCount: number | null;
  /** sha256 of the archive file. */
  sha256: string | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  restoredAt: string | null;
}

export interface VolumeInput {
  name: string;
  mountPath: string;
  shared: boolean;
}
