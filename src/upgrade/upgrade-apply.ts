/**
 * The upgrade itself, run by the short-lived upgrader container (`berth upgrade-apply`), never by the
 * daemon being replaced: the old daemon holds the data-dir lock and the ports, so it must stop before
 * the new one can start, and something outside both has to decide whether to switch back.
 *
 *   snapshot the database (online backup) → stop the old container, keep it as <name>-previous →
 *   start the new image with the same env, mounts, network, restart policy and labels →
 *   wait for /healthz and a short stable period → remove the old container.
 *   On any failure: stop the new one, put the snapshot back, start the old container again.
 *
 * App containers are never touched: the new daemon adopts them at start (deploy recovery).
 */
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dataPaths } from '../data-dir.js';
import { openDatabase } from '../db/connection.js';
import type { SelfContainers, SelfContainerSpec } from '../runtime/docker/self-container.js';
import { previousSelfContainerName } from '../workloads/names.js';
import { snapshotPath, writeUpgradeStatus, type UpgradeStatus } from './upgrade-status.js';

export interface ApplyUpgradeOptions {
  dataDir: string;
  containerName: string;
  targetImage: string;
  healthTimeoutMs: number;
  containers: SelfContainers;
  log: (line: string) => void;
  /** How long the new version must stay up after its first healthy answer. */
  stableMs?: number;
}

const STOP_GRACE_SECONDS = 10;

class UpgradeFailure extends Error {}

function envValue(env: string[], key: string): string | undefined {
  return env
    .find((entry) => entry.startsWith(`${key}=`))
    ?.slice(key.length + 1)
    .trim();
}

/** The container's env with the installer's settings file (data dir) applied over it. */
function mergedEnv(spec: SelfContainerSpec, dataDir: string): string[] {
  const env = new Map(spec.env.map((entry) => [entry.split('=')[0]!, entry] as const));
  const file = join(dataDir, 'install.env');
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /^(BERTH_[A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (match) env.set(match[1]!, `${match[1]}=${match[2]}`);
    }
  }
  return [...env.values()];
}

function healthUrl(env: string[]): string {
  const port = envValue(env, 'BERTH_PANEL_PORT') || '3000';
  const host = envValue(env, 'BERTH_PANEL_HOST') || '0.0.0.0';
  const address = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${address}:${port}/healthz`;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** Waits until the container answers /healthz and stays up for `stableMs`; throws why not. */
async function waitHealthy(
  containers: SelfContainers,
  id: string,
  url: string,
  timeoutMs: number,
  stableMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let healthyAt: number | undefined;
  for (;;) {
    const state = await containers.state(id);
    if (!state?.running)
      throw new UpgradeFailure(`the new version exited (${state?.status ?? 'gone'}, exit code ${state?.exitCode})`);
    if (await answers(url)) {
      healthyAt ??= Date.now();
      if (Date.now() - healthyAt >= stableMs) return healthyAt;
    } else if (healthyAt !== undefined) {
      throw new UpgradeFailure('the new version answered its health check, then stopped answering');
    }
    if (Date.now() > deadline)
      throw new UpgradeFailure(`the new version did not answer ${url} within ${Math.round(timeoutMs / 1000)}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Replaces the database with the snapshot; the WAL files belong to the replaced database and go too. */
function restoreSnapshot(dataDir: string): void {
  const database = dataPaths(dataDir).database;
  copyFileSync(snapshotPath(dataDir), `${database}.restore`);
  rmSync(`${database}-wal`, { force: true });
  rmSync(`${database}-shm`, { force: true });
  renameSync(`${database}.restore`, database);
}

export async function applyUpgrade(options: ApplyUpgradeOptions): Promise<UpgradeStatus> {
  const { dataDir, containerName, targetImage, containers, log } = options;
  const stableMs = options.stableMs ?? 3_000;
  const old = await containers.inspect(containerName);
  if (!old) throw new Error(`no container named ${containerName}: is Berth installed under another name?`);
  if (!(await containers.imageId(targetImage))) throw new Error(`the image ${targetImage} is not on this server`);

  const status: UpgradeStatus = {
    state: 'running',
    from: old.imageRef,
    to: targetImage,
    startedAt: new Date().toISOString(),
    steps: [],
  };
  const step = (line: string) => {
    log(line);
    status.steps.push(line);
    writeUpgradeStatus(dataDir, status);
  };
  const finish = (state: UpgradeStatus['state'], reason?: string) => {
    status.state = state;
    status.reason = reason;
    status.finishedAt = new Date().toISOString();
    writeUpgradeStatus(dataDir, status);
    return status;
  };

  step(`Upgrading ${containerName} from ${old.imageRef} to ${targetImage}`);
  const handle = openDatabase(dataPaths(dataDir).database);
  try {
    await handle.backupTo(snapshotPath(dataDir));
  } finally {
    await handle.close();
  }
  step('Database snapshot taken');

  const env = mergedEnv(old, dataDir);
  const url = healthUrl(env);
  const previousName = previousSelfContainerName(containerName);
  await containers.remove(previousName);
  const stoppedAt = Date.now();
  await containers.stop(old.id, STOP_GRACE_SECONDS);
  await containers.rename(old.id, previousName);
  step(`Stopped the old version (kept as ${previousName})`);

  let newId: string | undefined;
  try {
    newId = await containers.runLike(old, targetImage, containerName, env);
    step('Started the new version; waiting for its health check');
    const healthyAt = await waitHealthy(containers, newId, url, options.healthTimeoutMs, stableMs);
    status.unavailableMs = healthyAt - stoppedAt;
    await containers.keepRestarting(newId, old.restartPolicy);
    await containers.remove(old.id);
    step(`The new version is healthy (the panel and proxy were unavailable for ${status.unavailableMs} ms)`);
    return finish('succeeded');
  } catch (error) {
    const why = error instanceof UpgradeFailure ? error.message : `the new version could not start: ${String(error)}`;
    const tail = newId ? (await containers.logTail(newId, 15)).trim().slice(-3000) : '';
    const reason = tail ? `${why}. Its last log lines:\n${tail}` : why;
    step(`Rolling back: ${why}`);
    if (newId) await containers.remove(newId);
    else await containers.remove(containerName);
    restoreSnapshot(dataDir);
    step('Database snapshot restored');
    await containers.rename(old.id, containerName);
    await containers.start(old.id);
    try {
      await waitHealthy(containers, old.id, url, options.healthTimeoutMs, 0);
    } catch (restartError) {
      step(`The old version did not come back: ${(restartError as Error).message}`);
      return finish('failed', `${reason}\nThe rollback also failed: ${(restartError as Error).message}`);
    }
    step(`Rolled back to ${old.imageRef}`);
    return finish('rolled-back', reason);
  }
}
