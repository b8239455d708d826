/**
 * Moving data in and out of a database container with the engine's own tools: a dump streamed from
 * docker exec through gzip into a file (sha256 of the stored bytes computed on the way), and a dump file
 * streamed back, decompressed, into a tool's stdin or over the engine's data file.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { DatabaseCredentials, EngineDefinition } from './engines/types.js';
import { runTool, ToolFailure, type ToolTarget } from './tool-runner.js';

const SNAPSHOT_TIMEOUT_MS = 10 * 60_000;

export interface DumpResult {
  sizeBytes: number;
  sha256: string;
}

/** What the engine's inspect command reports: tables → rows, or keyspaces → keys. */
export async function readCounts(
  target: ToolTarget,
  engine: EngineDefinition,
  credentials: DatabaseCredentials,
): Promise<Record<string, number>> {
  const result = await runTool(target, engine.inspect(credentials), credentials, {
    user: engine.toolUser,
  });
  return engine.parseInspect(result.stdout);
}

async function takeSnapshot(
  target: ToolTarget,
  engine: EngineDefinition,
  credentials: DatabaseCredentials,
): Promise<void> {
  const step = engine.snapshot?.(credentials);
  if (!step) return;
  const before = (await runTool(target, step.progress, credentials, { user: engine.toolUser })).stdout;
  await runTool(target, step.trigger, credentials, { user: engine.toolUser });
  const deadline = Date.now() + SNAPSHOT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const now = (await runTool(target, step.progress, credentials, { user: engine.toolUser })).stdout;
    if (step.isDone(now, before)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new ToolFailure('The server did not finish its snapshot within 10 minutes.');
}

/** Dumps into `file` (gzip). Nothing is left behind on failure. */
export async function dumpToFile(
  target: ToolTarget,
  engine: EngineDefinition,
  credentials: DatabaseCredentials,
  file: string,
): Promise<DumpResult> {
  const partial = `${file}.partial`;
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const gzip = createGzip({ level: 6 });
  try {
    await takeSnapshot(target, engine, credentials);
    const written = pipeline(gzip, tap, createWriteStream(partial, { mode: 0o600 }));
    const dumped = runTool(target, engine.dump(credentials), credentials, {
      stdout: gzip,
      user: engine.toolUser,
    });
    // Wait for both; if the dump fails, the file side must still settle before the file is removed.
    const [dump, file_] = await Promise.allSettled([dumped, written]);
    if (dump.status === 'rejected') throw dump.reason;
    if (file_.status === 'rejected') throw file_.reason;
    await rename(partial, file);
    return { sizeBytes: (await stat(file)).size, sha256: hash.digest('hex') };
  } catch (error) {
    gzip.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Restores a dump file into a running container of the same engine. */
export async function restoreFromFile(
  target: ToolTarget,
  engine: EngineDefinition,
  credentials: DatabaseCredentials,
  file: string,
): Promise<void> {
  const source = (): PassThrough => {
    const out = new PassThrough();
    pipeline(createReadStream(file), createGunzip(), out).catch((error: unknown) => out.destroy(error as Error));
    return out;
  };
  const method = engine.restore(credentials);
  if (method.kind === 'stdin') {
    await runTool(target, method.command, credentials, { stdin: source(), user: engine.toolUser });
    return;
  }
  // Data-file engines (redis): write beside the live file, swap it in, stop the server WITHOUT saving
  // (a save would overwrite the file), and start it again so it loads the file.
  const staged = `${method.path}.berth-restore`;
  const copy = await target.exec(['dd', `of=${staged}`, 'status=none'], {
    stdin: source(),
    user: engine.toolUser,
  });
  if (copy.exitCode !== 0) throw new ToolFailure(`Could not copy the dump into the container: ${copy.stderr.trim()}`);
  const swap = await target.exec(['mv', '-f', staged, method.path], { user: engine.toolUser });
  if (swap.exitCode !== 0) throw new ToolFailure(`Could not put the dump in place: ${swap.stderr.trim()}`);
  // The connection drops as the server exits, so the tool's exit code says nothing here.
  await target.restartAfterShutdown(() =>
    target.exec(method.shutdown.argv, { env: method.shutdown.env, user: engine.toolUser }).catch(() => undefined),
  );
}
