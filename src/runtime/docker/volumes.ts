/** Named volumes: where a database keeps its data, so the container can be replaced without losing it. */
import type { DockerClient } from './client.js';
import { unlessStatus } from './failures.js';

export async function ensureVolume(d: DockerClient, name: string, labels: Record<string, string>): Promise<void> {
  const found = await unlessStatus(404, d.getVolume(name).inspect());
  if (found) return;
  await d.createVolume({ Name: name, Labels: labels });
}

export async function removeVolume(d: DockerClient, name: string): Promise<void> {
  // 404 means it is already gone, which is what the caller wanted.
  await unlessStatus(404, d.getVolume(name).remove());
}
