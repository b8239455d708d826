/**
 * The proxy process tree's files in the data dir (`<data>/proxy/`, 0700): the control socket and its
 * token (both 0600), the supervisor's pid, the last state (0600: it holds certificate keys) and the log.
 * Writes of the state and the token are atomic: a temporary file, fsync, rename, fsync of the directory.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY_STATE, parseState, type ProxyState } from './control-protocol.js';

export interface ProxyFiles {
  dir: string;
  socket: string;
  token: string;
  pid: string;
  state: string;
  log: string;
}

export function proxyFiles(dataDir: string): ProxyFiles {
  const dir = join(dataDir, 'proxy');
  return {
    dir,
    socket: join(dir, 'control.sock'),
    token: join(dir, 'control.token'),
    pid: join(dir, 'proxy.pid'),
    state: join(dir, 'state.json'),
    log: join(dir, 'proxy.log'),
  };
}

export function ensureProxyDir(files: ProxyFiles): void {
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  chmodSync(files.dir, 0o700);
}

/** Write to a temporary file, fsync it, rename it over the target, fsync the directory: all or nothing. */
export function writeFileAtomic(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const dir = openSync(join(path, '..'), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** The token the daemon presents; made once (0600) by the supervisor, read by the daemon. */
export function readOrCreateToken(files: ProxyFiles): string {
  try {
    return readToken(files);
  } catch {
    const token = randomBytes(32).toString('base64url');
    writeFileAtomic(files.token, token);
    return token;
  }
}

export function readToken(files: ProxyFiles): string {
  const token = readFileSync(files.token, 'utf8').trim();
  if (token.length < 32) throw new Error('the proxy control token is too short');
  return token;
}

/** The last state kept on disk, or the empty state when there is none (or it cannot be read). */
export function readState(files: ProxyFiles, onProblem: (error: unknown) => void): ProxyState {
  let raw: string;
  try {
    raw = readFileSync(files.state, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onProblem(error);
    return EMPTY_STATE;
  }
  try {
    return parseState(JSON.parse(raw));
  } catch (error) {
    onProblem(error);
    return EMPTY_STATE;
  }
}

export function writeState(files: ProxyFiles, state: ProxyState): void {
  writeFileAtomic(files.state, JSON.stringify(state));
}

export function readPid(files: ProxyFiles): number | undefined {
  try {
    const pid = Number(readFileSync(files.pid, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
