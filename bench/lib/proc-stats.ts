/**
 * CPU time and resident memory of a process and its children, read from /proc (Linux only), so a
 * multi-process peer (nginx's master and workers) is measured as a whole, like a single Node process.
 */
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICK_US = 10_000; // USER_HZ is 100 on Linux

function statFields(pid: number): string[] | undefined {
  try {
    // The command name (field 2) may contain spaces; everything after its closing parenthesis splits cleanly.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // the process is gone
  }
}

/** The pid and its direct children (nginx workers, cluster workers). */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields !== undefined && Number(fields[1]) === pid) pids.push(Number(entry));
  }
  return pids;
}

/** User + system CPU of the whole tree, in microseconds. */
export function treeCpuUs(pid: number): number {
  let total = 0;
  for (const member of processTree(pid)) {
    const fields = statFields(member);
    if (fields !== undefined) total += (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_US;
  }
  return total;
}

/** Resident memory of the whole tree, in MB. */
export function treeRssMb(pid: number): number {
  let kb = 0;
  for (const member of processTree(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${member}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited between the listing and the read
    }
  }
  return kb / 1024;
}
