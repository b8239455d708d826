/**
 * The Docker objects of service volumes, as pure specs: the named volume itself (labelled like every Berth
 * object: managed, project, service, plus the volume's name and role), and the throwaway helper container
 * that archives, checks or restores a volume's contents. The helper runs a small image with tar, find and
 * sha256sum (BERTH_VOLUME_HELPER_IMAGE), sleeps until it is removed, has no network, and mounts each volume
 * it is given at /volumes/<n> (read-only unless asked).
 */
import type { ContainerSpec, VolumeMount } from '../runtime/runtime.js';
import type { NamedObjectSpec } from './app-spec.js';
import { LABELS, ROLES, serviceLabels, type Labels } from './labels.js';
import { serviceVolumeName, volumeHelperContainerName } from './names.js';

export interface VolumeOwner {
  projectId: string;
  serviceId: string;
}

/** The labels of a service volume (selected by `berth.service` for size and clean-up). */
export function serviceVolumeLabels(owner: VolumeOwner, volumeName: string): Labels {
  return { ...serviceLabels(owner), [LABELS.role]: ROLES.volume, [LABELS.volume]: volumeName };
}

export function serviceVolumeSpec(owner: VolumeOwner, volumeName: string): NamedObjectSpec {
  return { name: serviceVolumeName(owner.serviceId, volumeName), labels: serviceVolumeLabels(owner, volumeName) };
}

/** The mounts of a service's volumes into one of its containers. */
export function serviceVolumeMounts(serviceId: string, volumes: { name: string; mountPath: string }[]): VolumeMount[] {
  return volumes.map((v) => ({ volume: serviceVolumeName(serviceId, v.name), target: v.mountPath }));
}

/** Where the helper container sees the i-th volume it was given. */
export function helperMountPath(index: number): string {
  return `/volumes/${index}`;
}

export interface HelperVolume {
  volume: string;
  readOnly: boolean;
}

/** A helper container over the given volumes; it only sleeps, the work is done by exec (argv, no shell). */
export function volumeHelperSpec(
  owner: VolumeOwner,
  purpose: string,
  volumeId: string,
  image: string,
  volumes: HelperVolume[],
  at: number,
): ContainerSpec {
  return {
    name: volumeHelperContainerName(purpose, volumeId, at),
    image,
    cmd: ['sleep', '86400'],
    labels: { ...serviceLabels(owner), [LABELS.role]: ROLES.volumeHelper },
    network: 'none',
    restartPolicy: 'no',
    volumes: volumes.map((v, i) => ({ volume: v.volume, target: helperMountPath(i), readOnly: v.readOnly })),
  };
}
