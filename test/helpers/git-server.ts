/**
 * A real git server for tests: smart HTTP on 127.0.0.1, served by `git http-backend` (git's own CGI),
 * with repositories built from plain file maps.
 *
 *   const server = await startGitServer();                      // or { auth: { username, password } }
 *   const repo = await server.createRepo('app', { 'index.js': '...' });
 *   repo.url           // http://127.0.0.1:<port>/app.git
 *   repo.sha           // the first commit
 *   const sha2 = await repo.commit({ 'index.js': 'v2', 'old.txt': null }, 'second');  // null deletes
 *   await repo.commit({ 'x': '1' }, 'on another branch', 'feature');
 *   server.requests    // every request seen: { method, path, withCredentials }
 *   await server.close();                                         // stops and deletes everything
 *
 * Options: `auth` requires HTTP Basic credentials for every request (fetch and push); `protocolV0`
 * makes it behave like an old server (protocol v0 only), which refuses to serve a commit by its sha;
 * `responseDelayMs` holds every request that long (for cancel and timeout tests).
 * Pushing needs the `auth` option and a client that sends those credentials (git retries with them after a 401).
 * Pitfalls handled (see ENVIRONMENT.md §4): gzip request bodies, chunked pushes, the Git-Protocol header.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface GitServerOptions {
  auth?: { username: string; password: string };
  protocolV0?: boolean;
  responseDelayMs?: number;
}

export interface TestRepo {
  name: string;
  url: string;
  /** The bare repository on disk. */
  path: string;
  /** The first commit. */
  sha: string;
  /** Writes (or, with null, deletes) files, commits them on `branch` (default: the repo's) and publishes; returns the sha. */
  commit(files: Record<string, string | null>, message: string, branch?: string): Promise<string>;
}

export interface GitServer {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** Every request seen, for assertions (e.g. "nothing was fetched"): method, path, whether it carried an Authorization header. */
  requests: { method: string; path: string; withCredentials: boolean }[];
  createRepo(name: string, files: Record<string, string>, branch?: string): Promise<TestRepo>;
  close(): Promise<void>;
}

const REPO_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const COMMITTER = ['-c', 'user.name=Berth Test', '-c', 'user.email=test@berth.invalid', '-c', 'commit.gpgSign=false'];

async function git(cwd: string, args: string[]): Promise<string> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' };
  const { stdout } = await execFileAsync('git', args, { cwd, env });
  return stdout.trim();
}

function authorized(req: http.IncomingMessage, auth: GitServerOptions['auth']): boolean {
  if (!auth) return false;
  const match = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return false;
  return Buffer.from(match[1]!, 'base64').toString() === `${auth.username}:${auth.password}`;
}

function serveCgi(
  root: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  user: string | undefined,
  v0: boolean,
) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
  };
  if (user) env.REMOTE_USER = user; // enables receive-pack (push)
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length']; // absent when chunked
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding']; // backend inflates gzip
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string' && !v0) env.HTTP_GIT_PROTOCOL = protocol;

  const cgi = spawn('git', ['http-backend'], { env });
  req.pipe(cgi.stdin);
  cgi.stdin.on('error', () => undefined);
  let head = Buffer.alloc(0);
  let headersSent = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    let end = head.indexOf('\r\n\r\n');
    let separator = 4;
    if (end < 0) [end, separator] = [head.indexOf('\n\n'), 2];
    if (end < 0) return;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString().split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const [key, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      if (key.toLowerCase() === 'status') status = parseInt(value, 10);
      else headers[key] = value;
    }
    res.writeHead(status, headers);
    headersSent = true;
    res.write(head.subarray(end + separator));
  });
  cgi.on('close', () => {
    if (!headersSent) res.writeHead(500);
    res.end();
  });
  req.on('error', () => cgi.kill());
}

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const base = await mkdtemp(join(tmpdir(), 'berth-git-server-'));
  const root = join(base, 'repos');
  await mkdir(root);
  const requests: GitServer['requests'] = [];

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const isAuthorized = authorized(req, options.auth);
    requests.push({ method: req.method ?? '', path, withCredentials: Boolean(req.headers.authorization) });
    if (!/^\/[\w.-]+\.git(\/|$)/.test(path) || path.includes('..')) {
      res.writeHead(404).end();
      return;
    }
    const isPush = req.url?.includes('service=git-receive-pack') || path.endsWith('/git-receive-pack');
    if ((options.auth || isPush) && !isAuthorized) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="berth-test"' }).end('authentication required\n');
      return;
    }
    const serve = () => {
      if (res.destroyed) return;
      serveCgi(root, req, res, isAuthorized ? options.auth!.username : undefined, options.protocolV0 === true);
    };
    if (options.responseDelayMs) setTimeout(serve, options.responseDelayMs);
    else serve();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function createRepo(name: string, files: Record<string, string>, branch = 'main'): Promise<TestRepo> {
    if (!REPO_NAME.test(name)) throw new Error(`bad test repo name ${name}`);
    const bare = join(root, `${name}.git`);
    const work = join(base, 'work', name);
    await mkdir(work, { recursive: true });
    await git(root, ['init', '--quiet', '--bare', `--initial-branch=${branch}`, bare]);
    await git(work, ['init', '--quiet', `--initial-branch=${branch}`]);

    const commit = async (changes: Record<string, string | null>, message: string, onBranch = branch) => {
      const current = await git(work, ['branch', '--show-current']);
      if (current !== onBranch) {
        const exists = (await git(work, ['branch', '--list', onBranch])) !== '';
        await git(work, ['checkout', '--quiet', ...(exists ? [] : ['-b']), onBranch]);
      }
      for (const [file, content] of Object.entries(changes)) {
        const target = normalize(join(work, file));
        if (!target.startsWith(`${work}/`)) throw new Error(`bad test file path ${file}`);
        if (content === null) await rm(target, { force: true });
        else {
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, content);
        }
      }
      await git(work, ['add', '--all']);
      await git(work, [...COMMITTER, 'commit', '--quiet', '--allow-empty', '-m', message]);
      await git(work, ['push', '--quiet', bare, `HEAD:refs/heads/${onBranch}`]);
      return git(work, ['rev-parse', 'HEAD']);
    };

    const sha = await commit(files, 'initial commit');
    return { name, url: `${baseUrl}/${name}.git`, path: bare, sha, commit };
  }

  async function close(): Promise<void> {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(base, { recursive: true, force: true });
  }

  return { baseUrl, requests, createRepo, close };
}
