/**
 * The proxy's sources as of another git revision, compiled next to the current ones, so one benchmark
 * run can compare before and after an optimisation on the same machine at the same moment
 * (`--baseline <git-ref>`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TRAFFIC_SOURCES, type BerthBuild } from './berth-proxy-process.js';

const OUT_ROOT = join(process.cwd(), 'node_modules', '.cache', 'berth-bench-baseline');
const GIT_REF = /^[A-Za-z0-9._/~^-]{1,100}$/;

export function buildBaseline(ref: string): BerthBuild {
  if (!GIT_REF.test(ref) || ref.startsWith('-')) throw new Error(`not a git revision: ${JSON.stringify(ref)}`);
  // Sources inside the project (tsc emits nothing for files under node_modules) so they resolve
  // http-proxy, pino and @types/node like the real ones; removed again once compiled.
  const root = join(process.cwd(), '.bench-baseline');
  const out = join(OUT_ROOT, 'out');
  rmSync(root, { recursive: true, force: true });
  rmSync(OUT_ROOT, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const archive = spawnSync('git', ['archive', '--format=tar', ref, 'src'], { maxBuffer: 256 * 1024 * 1024 });
  if (archive.status !== 0) throw new Error(`git archive ${ref} failed: ${archive.stderr.toString()}`);
  const untar = spawnSync('tar', ['-x', '-C', root], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`could not unpack ${ref}: ${untar.stderr.toString()}`);
  const tsc = spawnSync(
    process.execPath,
    [
      'node_modules/typescript/bin/tsc',
      '--ignoreConfig',
      ...['--outDir', out, '--rootDir', join(root, 'src'), '--module', 'NodeNext', '--moduleResolution', 'NodeNext'],
      ...['--target', 'ES2022', '--esModuleInterop', '--skipLibCheck', '--types', 'node'],
      ...['proxy/proxy-server.ts', 'proxy/route-table.ts', 'logger.ts'].map((file) => join(root, 'src', file)),
      // The request accounting, when that revision has it (startBerthProxy wires it in if it was built).
      ...TRAFFIC_SOURCES.map((file) => join(root, file)).filter((file) => existsSync(file)),
    ],
    { encoding: 'utf8' },
  );
  rmSync(root, { recursive: true, force: true });
  if (!existsSync(join(out, 'proxy', 'proxy-server.js'))) {
    throw new Error(`could not compile the proxy at ${ref}: ${tsc.stdout.slice(0, 500)}`);
  }
  return { entry: out, argv: ['--input-type=module', '-e'], note: `compiled from ${ref}` };
}

export function removeBaseline(): void {
  rmSync(OUT_ROOT, { recursive: true, force: true });
}
