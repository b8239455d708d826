/** Builds the volumes feature (the composition root supplies where backups go and how to route again). */
import { VolumeBackups, type VolumeBackupDeps } from './volume-backups.js';
import { VolumesService, type VolumesDeps } from './volumes.service.js';

export interface VolumesFeature {
  volumes: VolumesService;
  backups: VolumeBackups;
}

export function createVolumesFeature(deps: VolumeBackupDeps & Pick<VolumesDeps, 'scheduler'>): VolumesFeature {
  return { volumes: new VolumesService(deps), backups: new VolumeBackups(deps) };
}
