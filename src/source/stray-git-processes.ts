/**
 * Cancelling a fetch stops the `git` process simple-git started, but git does not stop its transport
 * helpers (git-remote-http, ssh): they live on, orphaned, until the server answers. Every process of
 * one fetch carries the fetch's unique temp HOME in its environment, so they can be found in /proc and
 * stopped. Linux only (Berth's platform); elsewhere this finds nothing and the helpers end on their own.
 */
import { readdir, readFile } from 'node:fs/promises';

async function pidsWithEnvEntry(entry: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const needle = Buffer.from(`${entry}\0`);
  const found: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const environ = await readFile(`/proc/${name}/environ`);
      const at = environ.indexOf(needle);
      if (at === 0 || (at > 0 && environ[at - 1] === 0)) found.push(Number(name));
    } catch {
      // gone already, or not ours to read
    }
  }
  return found;
}

/** Kills every process whose environment has exactly `NAME=value` (`entry`); returns how many. */
export async function killProcessesWithEnvEntry(entry: string): Promise<number> {
  let killed = 0;
  for (let round = 0; round < 3; round++) {
    const pids = await pidsWithEnvEntry(entry);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // already gone
      }
    }
  }
  return killed;
}
