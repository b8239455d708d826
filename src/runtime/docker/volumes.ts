/** Named volumes: where databases and app services keep data, so containers can be replaced without losing it. */
import type { VolumeSummary } from '../runtime.js';
import type { DockerClient } from './client.js';
import { systemDf } from './system-df.js';
import { unlessStatus } from './failures.js';

/** True when the volume was created now (so it is empty), false when it was already there. */
export async function ensureVolume(d: DockerClient, name: string, labels: Record<string, string>): Promise<boolean> {
  const found = await unlessStatus(404, d.getVolume(name).inspect());
  if (found) return false;
  await d.createVolume({ Name: name, Labels: labels });
  return true;
}

export async function removeVolume(d: DockerClient, name: string): Promise<void> {
  // 404 means it is already gone, which is what the caller wanted.
  await unlessStatus(404, d.getVolume(name).remove());
}

function labelFilter(labels: Record<string, string>): string[] {
  const entries = Object.entries(labels);
  if (entries.length === 0) throw new Error('refusing to list volumes without a label filter');
  return entries.map(([k, v]) => `${k}=${v}`);
}

export async function listVolumes(d: DockerClient, labels: Record<string, string>): Promise<VolumeSummary[]> {
  const wanted = labelFilter(labels);
  const answer = (await d.listVolumes({ filters: { label: wanted } })) as {
    Volumes?: Array<{ Name: string; Labels?: Record<string, string> | null }> | null;
  };
  return (answer.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
}

/** GET /system/df?type=volume: sizes of the volumes carrying every label (the engine computes them: slow). */
export async function volumeSizes(d: DockerClient, labels: Record<string, string>): Promise<Record<string, number>> {
  labelFilter(labels);
  const df = (await systemDf(d, { type: 'volume' })) as {
    Volumes?: Array<{ Name: string; Labels?: Record<string, string> | null; UsageData?: { Size?: number } | null }>;
  };
  const sizes: Record<string, number> = {};
  for (const v of df.Volumes ?? []) {
    const has = Object.entries(labels).every(([k, value]) => v.Labels?.[k] === value);
    const size = v.UsageData?.Size;
    if (has && typeof size === 'number' && size >= 0) sizes[v.Name] = size;
  }
  return sizes;
}
