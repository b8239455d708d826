/** Each doctor check returns a verdict in words: what is fine, or what is wrong and what to do. */
import { accessSync, constants, mkdirSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { tryExclusiveLock } from '../db/connection.js';
import { dataPaths } from '../data-dir.js';
import { DockerRuntime } from '../runtime/docker.js';

export type Verdict = { status: 'ok' | 'warn' | 'fail'; message: string };

const MIN_FREE_BYTES = 2 * 1024 ** 3;

export function checkNode(): Verdict {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 20
    ? { status: 'ok', message: `Node.js ${process.versions.node}` }
    : { status: 'fail', message: `Node.js ${process.versions.node} is too old: Berth needs Node 20 or newer` };
}

export function checkDataDir(config: Config): Verdict {
  try {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    accessSync(config.dataDir, constants.W_OK);
    const probe = join(config.dataDir, `.doctor-${process.pid}`);
    writeFileSync(probe, 'ok');
    unlinkSync(probe);
  } catch (error) {
    return {
      status: 'fail',
      message: `data dir ${config.dataDir} is not writable (${(error as NodeJS.ErrnoException).code}): fix its owner or set BERTH_DATA_DIR`,
    };
  }
  const fs = statfsSync(config.dataDir);
  const free = fs.bavail * fs.bsize;
  const freeGb = (free / 1024 ** 3).toFixed(1);
  if (free < MIN_FREE_BYTES) {
    return {
      status: 'warn',
      message: `data dir ${config.dataDir} has only ${freeGb} GB free: builds and backups need room`,
    };
  }
  return { status: 'ok', message: `data dir ${config.dataDir} is writable, ${freeGb} GB free` };
}

/** Is a daemon running on this data dir? Informational: it changes how the port checks read. */
export function isDaemonRunning(config: Config): boolean {
  const lock = tryExclusiveLock(dataPaths(config.dataDir).lock);
  lock?.release();
  return lock === undefined;
}

export async function checkDocker(config: Config): Promise<Verdict> {
  const runtime = new DockerRuntime(config.docker, { reconnectIntervalMs: 60_000 });
  await runtime.start();
  const where =
    config.docker.kind === 'socket' ? config.docker.socketPath : `${config.docker.host}:${config.docker.port}`;
  try {
    const state = runtime.state();
    if (!state.available) {
      return {
        status: 'fail',
        message: `cannot reach the Docker engine at ${where}: ${state.reason}. Install Docker and start dockerd, or set DOCKER_HOST`,
      };
    }
    const info = await runtime.engineInfo();
    return {
      status: 'ok',
      message: `Docker ${info.version} at ${where}: ${info.containers.running} running containers, ${info.images} images`,
    };
  } catch (error) {
    return { status: 'fail', message: `Docker at ${where} answered but failed: ${(error as Error).message}` };
  } finally {
    await runtime.stop();
  }
}

type ListenResult = 'free' | 'in-use' | 'denied' | { other: string };

function tryListen(port: number): Promise<ListenResult> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EACCES') resolve('denied');
      else if (error.code === 'EADDRINUSE') resolve('in-use');
      else resolve({ other: error.code ?? error.message });
    });
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve('free')));
  });
}

export async function checkPort(name: string, variable: string, port: number, isOurs: boolean): Promise<Verdict> {
  const result = await tryListen(port);
  if (result === 'free') return { status: 'ok', message: `${name} port ${port} is free` };
  if (result === 'denied') {
    return {
      status: 'fail',
      message: `${name} port ${port} needs root (or CAP_NET_BIND_SERVICE); run as root or set ${variable}`,
    };
  }
  if (typeof result === 'object') {
    return { status: 'fail', message: `${name} port ${port} cannot be opened (${result.other}): set ${variable}` };
  }
  if (isOurs) return { status: 'ok', message: `${name} port ${port} is in use, by the running Berth daemon` };
  return {
    status: 'fail',
    message: `${name} port ${port} is already in use by another program: stop it or set ${variable}`,
  };
}
