/** Bridge networks: one per project, so its services reach each other by name and nothing else does. */
import type { NetworkSummary } from '../runtime.js';
import type { DockerClient } from './client.js';
import { asFailure, labelFilter, unlessStatus } from './failures.js';

/**
 * Creates the network when missing. Inspect-by-name also matches id prefixes, so the name is checked
 * on the answer; a 409 from create means a concurrent caller made it first, which is just as good.
 */
export async function ensureNetwork(
  d: DockerClient,
  name: string,
  labels: Record<string, string>,
  internal = false,
): Promise<void> {
  const found = (await unlessStatus(404, d.getNetwork(name).inspect())) as { Name?: string } | undefined;
  if (found?.Name === name) return;
  try {
    await d.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: labels,
      ...(internal ? { Internal: true } : {}),
    });
  } catch (err) {
    if (asFailure(err).statusCode !== 409) throw err;
  }
}

export async function removeNetwork(d: DockerClient, name: string): Promise<void> {
  // 404 means it is already gone, which is what the caller wanted.
  await unlessStatus(404, d.getNetwork(name).remove());
}

export async function listNetworks(d: DockerClient, labels: Record<string, string>): Promise<NetworkSummary[]> {
  const list = await d.listNetworks({ filters: { label: labelFilter(labels) } });
  return list.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
}
