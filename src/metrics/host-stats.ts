/** The host's own numbers: CPU time from the os module, memory, and the disk the data dir lives on. */
import { statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';

export interface HostReading {
  /** CPU time spent busy (all cores), ms, cumulative since boot. */
  busyMs: number;
  cores: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
}

export async function readHost(dataDir: string): Promise<HostReading> {
  const cores = cpus();
  // idle time is not busy; iowait is not reported separately by the os module and counts as idle.
  const busyMs = cores.reduce((total, c) => total + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
  const fs = await statfs(dataDir);
  const total = totalmem();
  return {
    busyMs,
    cores: cores.length,
    // freemem() is the kernel's MemAvailable: page cache that can be dropped counts as free, like `free`.
    memoryUsedBytes: total - freemem(),
    memoryTotalBytes: total,
    diskUsedBytes: (fs.blocks - fs.bfree) * fs.bsize,
    diskTotalBytes: fs.blocks * fs.bsize,
  };
}
