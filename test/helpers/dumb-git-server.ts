/**
 * A "dumb" git HTTP server: a bare repository served as plain static files (what a web server in front
 * of a directory does), after `git update-server-info`. Such a server cannot do shallow fetches.
 *
 *   const repo = await server.createRepo('app', files);         // from git-server.ts
 *   const dumb = await serveDumb(repo.path);                   // http://127.0.0.1:<port>/repo.git
 *   await repo.commit({...}, 'two'); await dumb.refresh();     // republish the refs after a commit
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface DumbGitServer {
  /** http://127.0.0.1:<port>/repo.git */
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Rewrites info/refs and objects/info/packs (run after every commit). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export async function serveDumb(bareRepo: string): Promise<DumbGitServer> {
  const refresh = async () => {
    await execFileAsync('git', ['update-server-info'], { cwd: bareRepo });
  };
  await refresh();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    const relative = normalize(path.replace(/^\/repo\.git\/?/, ''));
    if (req.method !== 'GET' || !path.startsWith('/repo.git/') || relative.startsWith('..')) {
      res.writeHead(404).end();
      return;
    }
    const file = join(bareRepo, relative);
    stat(file).then(
      (info) => {
        if (!info.isFile()) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': info.size });
        createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo.git`;
  return {
    url,
    requests,
    refresh,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
