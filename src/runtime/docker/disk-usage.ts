/** GET /system/df folded into bytes per Berth service (container writable layers and named volumes). */
import type { ServiceDiskUsage } from '../runtime.js';
import type { DockerClient } from './client.js';
import { systemDf } from './system-df.js';

interface RawDf {
  Containers?: Array<{ Labels?: Record<string, string> | null; SizeRw?: number }> | null;
  Volumes?: Array<{ Labels?: Record<string, string> | null; UsageData?: { Size?: number } | null }> | null;
}

const SERVICE_LABEL = 'berth.service';

export async function readServiceDiskUsage(d: DockerClient): Promise<ServiceDiskUsage> {
  return foldDiskUsage((await systemDf(d)) as RawDf);
}

export function foldDiskUsage(df: RawDf): ServiceDiskUsage {
  const bytesByService: Record<string, number> = {};
  const add = (labels: Record<string, string> | null | undefined, size: number | undefined) => {
    const service = labels?.[SERVICE_LABEL];
    // The engine reports -1 for sizes it has not computed.
    if (!service || typeof size !== 'number' || size < 0) return;
    bytesByService[service] = (bytesByService[service] ?? 0) + size;
  };
  for (const c of df.Containers ?? []) add(c.Labels, c.SizeRw);
  for (const v of df.Volumes ?? []) add(v.Labels, v.UsageData?.Size);
  return { bytesByService };
}
