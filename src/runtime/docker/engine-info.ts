/** GET /info, /version and /system/df folded into the EngineInfo the panel and `berth doctor` show. */
import type { EngineInfo } from '../runtime.js';
import type { DockerClient } from './client.js';
import { systemDf } from './system-df.js';

function sum(values: readonly (number | undefined)[]): number {
  // Docker reports -1 for sizes it has not computed; count those as zero.
  return values.reduce<number>((total, v) => total + (typeof v === 'number' && v > 0 ? v : 0), 0);
}

export async function readEngineInfo(d: DockerClient): Promise<EngineInfo> {
  const [info, version, df] = (await Promise.all([d.info(), d.version(), systemDf(d)])) as [
    RawInfo,
    { Version: string; ApiVersion: string },
    RawDf,
  ];
  const images = df.Images ?? [];
  return {
    version: version.Version,
    apiVersion: version.ApiVersion,
    os: info.OperatingSystem,
    kernel: info.KernelVersion,
    architecture: info.Architecture,
    cpus: info.NCPU,
    memoryBytes: info.MemTotal,
    storageDriver: info.Driver,
    containers: {
      total: info.Containers,
      running: info.ContainersRunning,
      paused: info.ContainersPaused,
      stopped: info.ContainersStopped,
    },
    images: info.Images,
    disk: {
      // LayersSize counts shared layers once; summing image sizes would double-count them.
      imagesBytes: typeof df.LayersSize === 'number' ? df.LayersSize : sum(images.map((i) => i.Size)),
      containersBytes: sum((df.Containers ?? []).map((c) => c.SizeRw)),
      volumesBytes: sum((df.Volumes ?? []).map((v) => v.UsageData?.Size)),
      buildCacheBytes: sum((df.BuildCache ?? []).map((b) => b.Size)),
    },
  };
}

/** The fields of GET /info we read (dockerode types it as any). */
type RawInfo = Record<'OperatingSystem' | 'KernelVersion' | 'Architecture' | 'Driver', string> &
  Record<'NCPU' | 'MemTotal' | 'Images', number> &
  Record<'Containers' | 'ContainersRunning' | 'ContainersPaused' | 'ContainersStopped', number>;

/** The fields of GET /system/df we read; lists can be null on an empty engine. */
interface RawDf {
  LayersSize?: number;
  Images?: { Size?: number }[] | null;
  Containers?: { SizeRw?: number }[] | null;
  Volumes?: { UsageData?: { Size?: number } | null }[] | null;
  BuildCache?: { Size?: number }[] | null;
}
