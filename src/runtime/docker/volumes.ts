/** Named volumes: where a database keeps its data, so the container can be replaced without losing it. */
import type { DockerClient } from './client.js';
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
