/**
 * What share of a proxy's busy CPU went to the request accounting, read from a V8 CPU profile
 * (`node --cpu-prof`) of the proxy process under load. Unlike req/s or CPU µs per request, a share within
 * one process does not move with the machine's load: on the shared 2-vCPU machine those vary by 2x from
 * one round to the next while this ratio stays put, so it is the number that can tell 2 % from 5 %.
 *
 * A sample counts as accounting when any frame of its stack is the accounting's code (src/traffic, src/db)
 * or the libraries only it uses in the bench's proxy process (kysely, better-sqlite3): observe() on every
 * request and the timers that write to SQLite. Idle samples are left out; garbage collection is shown on
 * its own (V8 does not say whose allocations it collects).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable } from './stats.js';

/** The parts of a .cpuprofile file this reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
  /** Microseconds since the previous sample. */
  timeDeltas: number[];
}

export interface ProfileShare {
  /** Busy (non-idle) time sampled after the start-up was skipped, ms. */
  busyMs: number;
  /** Share of the busy time whose stack runs through the accounting, %. */
  accountingPercent: number;
  /** Share of the busy time in garbage collection, %. */
  gcPercent: number;
}

export const ACCOUNTING_FRAME = /\/(traffic|db)\/|\/kysely\/|\/better-sqlite3\//;

/**
 * `skipMs`: start-up to leave out (module loading, the database migrations the bench runs before
 * listening), measured from the first sample.
 */
export function profileShare(profile: CpuProfile, skipMs = 3000): ProfileShare {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  // Whether a node's stack (it and its callers) runs through the accounting, memoised per node.
  const inAccounting = new Map<number, boolean>();
  const throughAccounting = (id: number): boolean => {
    const known = inAccounting.get(id);
    if (known !== undefined) return known;
    const parent = parents.get(id);
    const result =
      ACCOUNTING_FRAME.test(nodes.get(id)!.callFrame.url) || (parent !== undefined && throughAccounting(parent));
    inAccounting.set(id, result);
    return result;
  };
  let elapsedUs = 0;
  let busy = 0;
  let accounting = 0;
  let gc = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    elapsedUs += delta;
    if (elapsedUs < skipMs * 1000) continue;
    const id = profile.samples[i]!;
    const name = nodes.get(id)?.callFrame.functionName;
    if (name === undefined || name === '(idle)') continue;
    busy += delta;
    if (name === '(garbage collector)') gc += delta;
    else if (throughAccounting(id)) accounting += delta;
  }
  const percent = (part: number) => (busy === 0 ? 0 : (100 * part) / busy);
  return { busyMs: busy / 1000, accountingPercent: percent(accounting), gcPercent: percent(gc) };
}

/** The profile `node --cpu-prof --cpu-prof-dir=<dir>` wrote (the newest if there are several). */
export function readProfile(dir: string): CpuProfile | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
  } catch {
    return undefined; // the process did not exit cleanly, so V8 wrote nothing
  }
  const newest = files.sort().at(-1);
  return newest === undefined ? undefined : (JSON.parse(readFileSync(join(dir, newest), 'utf8')) as CpuProfile);
}

/** One line per profiled proxy: its busy time, the accounting's share of it and GC's. */
export function profileShareReport(profiled: ReadonlyArray<{ name: string; dir: string }>): string {
  const rows = profiled.map(({ name, dir }) => {
    const profile = readProfile(dir);
    if (profile === undefined) return [name, 'no profile written', '–', '–'];
    const share = profileShare(profile);
    return [
      name,
      (share.busyMs / 1000).toFixed(1),
      `${share.accountingPercent.toFixed(2)} %`,
      `${share.gcPercent.toFixed(1)} %`,
    ];
  });
  return markdownTable(['proxy (--cpu-prof)', 'busy CPU sampled, s', 'accounting share', 'GC share'], rows);
}
