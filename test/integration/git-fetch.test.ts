// fetchGitSource against a real git server on 127.0.0.1 (smart HTTP through `git http-backend`; SSH is in
// git-fetch-ssh.test.ts): branches, exact commits, credentials that never reach argv or logs,
// clear errors, cancellation, DNS pinning, and refusal of hostile input before anything runs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { isAppError } from '../../src/errors.js';
import { fetchGitSource, type FetchGitOptions } from '../../src/source/git-fetch.js';
import { serveDumb } from '../helpers/dumb-git-server.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { processesMentioning, watchProcesses } from '../helpers/process-watch.js';

const PRIVATE_OK = { allowPrivate: true };
const TOKEN = `tok_${randomBytes(12).toString('hex')}`;
const TOKEN_BASIC = Buffer.from(`deploy:${TOKEN}`).toString('base64');

let work: string;
let server: GitServer;
let privateServer: GitServer;
let repo: TestRepo;
let firstSha: string;
let secondSha: string;
let dirCount = 0;

function freshDir(): string {
  return join(work, `checkout-${++dirCount}`);
}

async function fetchInto(options: Partial<FetchGitOptions> & { url: string }) {
  const lines: string[] = [];
  const dir = options.dir ?? freshDir();
  const result = await fetchGitSource({
    branch: 'main',
    dir,
    log: (line) => lines.push(line),
    policy: PRIVATE_OK,
    ...options,
  });
  return { result, lines, dir };
}

async function failure(promise: Promise<unknown>): Promise<{ message: string; reason: string | undefined }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isAppError(error), `expected an AppError, got ${String(error)}`);
    return { message: error.message, reason: error.details?.reason };
  }
  assert.fail('expected the fetch to fail');
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-fetch-test-'));
  server = await startGitServer();
  repo = await server.createRepo('app', { 'index.js': 'console.log("v1")\n', 'README.md': '# app\n' });
  firstSha = repo.sha;
  secondSha = await repo.commit(
    { 'index.js': 'console.log("v2")\n', 'README.md': null },
    'Second version\n\nWith a body.',
  );
  await repo.commit({ 'feature.txt': 'only here\n' }, 'Feature work', 'feature');
  privateServer = await startGitServer({ auth: { username: 'deploy', password: TOKEN }, responseDelayMs: 150 });
});

after(async () => {
  await server?.close();
  await privateServer?.close();
  await rm(work, { recursive: true, force: true });
});

describe('fetching over HTTP', () => {
  it('clones the tip of a branch and reports its commit', async () => {
    const { result, lines, dir } = await fetchInto({ url: repo.url });
    assert.deepEqual(result, {
      sha: secondSha,
      message: 'Second version\n\nWith a body.',
      author: 'Berth Test <test@berth.invalid>',
    });
    assert.equal(await readFile(join(dir, 'index.js'), 'utf8'), 'console.log("v2")\n');
    assert.equal(existsSync(join(dir, 'README.md')), false);
    assert.ok(
      lines.some((line) => /Receiving objects|Cloning/.test(line)),
      lines.join('\n'),
    );
  });

  it('checks out an exact older commit', async () => {
    const { result, dir } = await fetchInto({ url: repo.url, commit: firstSha });
    assert.equal(result.sha, firstSha);
    assert.equal(result.message, 'initial commit');
    assert.equal(await readFile(join(dir, 'index.js'), 'utf8'), 'console.log("v1")\n');
  });

  it('falls back to fetching whole branches when the server refuses single commits', async () => {
    const oldServer = await startGitServer({ protocolV0: true });
    try {
      const old = await oldServer.createRepo('legacy', { 'a.txt': '1' });
      const newer = await old.commit({ 'a.txt': '2' }, 'two');
      const onFeature = await old.commit({ 'b.txt': 'b' }, 'feature only', 'feature');
      const first = await fetchInto({ url: old.url, commit: old.sha });
      assert.equal(first.result.sha, old.sha);
      assert.ok(
        first.lines.some((line) => line.includes('whole branch')),
        first.lines.join('\n'),
      );
      assert.equal((await fetchInto({ url: old.url, commit: newer })).result.sha, newer);
      assert.equal((await fetchInto({ url: old.url, commit: onFeature })).result.sha, onFeature);
      const missing = await failure(fetchInto({ url: old.url, commit: 'b'.repeat(40) }));
      assert.equal(missing.reason, 'commit-not-found');
    } finally {
      await oldServer.close();
    }
  });

  it('fetches from a server that cannot do shallow fetches (dumb HTTP: static files)', async () => {
    const dumb = await serveDumb(repo.path);
    try {
      const tip = await fetchInto({ url: dumb.url });
      assert.equal(tip.result.sha, secondSha);
      assert.equal(await readFile(join(tip.dir, 'index.js'), 'utf8'), 'console.log("v2")\n');
      assert.ok(
        tip.lines.some((line) => line.includes('full history')),
        tip.lines.join('\n'),
      );
      const older = await fetchInto({ url: dumb.url, commit: firstSha });
      assert.equal(older.result.sha, firstSha);
      assert.equal(await readFile(join(older.dir, 'index.js'), 'utf8'), 'console.log("v1")\n');
      assert.ok(dumb.requests.includes('/repo.git/info/refs'), 'served as static files');
    } finally {
      await dumb.close();
    }
  });

  it('says so, in words, when the branch, the commit, the repository or the host is wrong', async () => {
    const dir = freshDir();
    const branch = await failure(fetchInto({ url: repo.url, branch: 'no-such-branch', dir }));
    assert.equal(branch.reason, 'branch-not-found');
    assert.match(branch.message, /branch was not found.*no-such-branch/);
    assert.equal(existsSync(dir), false, 'a failed fetch removes the directory it created');

    const commit = await failure(fetchInto({ url: repo.url, commit: 'c'.repeat(40) }));
    assert.equal(commit.reason, 'commit-not-found');
    assert.match((await failure(fetchInto({ url: repo.url, commit: 'abc123' }))).message, /full 40-character sha/);

    const missing = await failure(fetchInto({ url: `${server.baseUrl}/missing.git` }));
    assert.equal(missing.reason, 'repository-not-found');

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await failure(fetchInto({ url: `http://127.0.0.1:${port}/app.git` }));
    assert.equal(unreachable.reason, 'host-unreachable');
  });

  it('refuses redirects, which could lead to internal addresses', async () => {
    const redirector = http.createServer((req, res) => {
      res.writeHead(301, { Location: `${repo.url}${req.url!.replace(/^\/[^/]+\.git/, '')}` }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/moved.git`;
      const redirected = await failure(fetchInto({ url }));
      assert.equal(redirected.reason, 'redirected');
    } finally {
      redirector.close();
    }
  });

  it('connects to the address it checked, whatever DNS says later (pinning)', async () => {
    const port = new URL(repo.url).port;
    const url = `http://git.berth-test.invalid:${port}/app.git`;
    const asked: string[] = [];
    const resolver = async (host: string) => (asked.push(host), ['127.0.0.1']);
    const { result } = await fetchInto({ url, resolver });
    assert.equal(result.sha, secondSha, 'git used the pinned 127.0.0.1: the name does not exist in real DNS');
    assert.deepEqual(asked, ['git.berth-test.invalid']);

    const before = server.requests.length;
    const rebound = await failure(fetchInto({ url, resolver: async () => ['169.254.169.254'] }));
    assert.match(rebound.message, /link-local/);
    assert.equal(server.requests.length, before, 'nothing was fetched');
  });
});

describe('credentials', () => {
  it('fetches a private repository with a token that never reaches argv or the log', async () => {
    const secret = await privateServer.createRepo('secret', { 'app.txt': 'private\n' });
    const dir = freshDir();
    const stopWatching = watchProcesses(dir, [TOKEN, TOKEN_BASIC]);
    const { result, lines } = await fetchInto({
      url: secret.url,
      dir,
      credentials: { token: TOKEN, username: 'deploy' },
    });
    const seen = await stopWatching();
    assert.equal(result.sha, secret.sha);
    assert.equal(await readFile(join(dir, 'app.txt'), 'utf8'), 'private\n');
    assert.ok(seen.gitProcesses > 0, 'the watcher saw git running');
    assert.deepEqual(seen.argvLeaks, [], 'no process had the token in its argv');
    assert.ok(!lines.join('\n').includes(TOKEN) && !lines.join('\n').includes(TOKEN_BASIC));
    assert.ok(!(await readFile(join(dir, '.git', 'config'), 'utf8')).includes(TOKEN), 'nor in the checkout');
    assert.ok(seen.homes.size > 0);
    for (const home of seen.homes) assert.equal(existsSync(home), false, `temp HOME ${home} was removed`);
  });

  it('fails cleanly, without hanging, when the token is missing or wrong', async () => {
    const secret = await privateServer.createRepo('secret2', { 'a.txt': 'x' });
    for (const credentials of [undefined, { token: 'wrong-token-value', username: 'deploy' }]) {
      const started = Date.now();
      const lines: string[] = [];
      const refused = await failure(
        fetchGitSource({
          url: secret.url,
          branch: 'main',
          dir: freshDir(),
          credentials,
          log: (l) => lines.push(l),
          policy: PRIVATE_OK,
        }),
      );
      assert.equal(refused.reason, 'auth-failed', refused.message);
      assert.match(refused.message, /refused the credentials/);
      assert.ok(Date.now() - started < 10_000, 'no prompt, no hang');
      assert.ok(!`${refused.message}\n${lines.join('\n')}`.includes('wrong-token-value'));
    }
  });

  it('refuses a deploy key for an https URL and a token for an ssh URL', async () => {
    const key = await failure(fetchInto({ url: repo.url, credentials: { sshPrivateKey: 'x' } }));
    assert.match(key.message, /deploy key works only with ssh/);
    const token = await failure(fetchInto({ url: 'ssh://git@127.0.0.1:1/app.git', credentials: { token: 'abcdef' } }));
    assert.match(token.message, /token works only with https/);
  });
});

describe('cancelling', () => {
  it('stops on the abort signal and on its timeout, leaving no git process behind', async () => {
    const slow = await startGitServer({ responseDelayMs: 5_000 });
    try {
      const slowRepo = await slow.createRepo('slow', { 'a.txt': 'a' });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const started = Date.now();
      const dir = freshDir();
      const cancelled = await failure(fetchInto({ url: slowRepo.url, dir, signal: controller.signal }));
      assert.equal(cancelled.reason, 'cancelled');
      assert.ok(Date.now() - started < 3_000);
      assert.equal(existsSync(dir), false);

      const timedOut = await failure(fetchInto({ url: slowRepo.url, timeoutMs: 300 }));
      assert.equal(timedOut.reason, 'timeout');

      await sleep(200);
      const port = new URL(slowRepo.url).port;
      const leftovers = await processesMentioning(`127.0.0.1:${port}`);
      assert.deepEqual(leftovers, []);
    } finally {
      await slow.close();
    }
  });
});

describe('hostile input', () => {
  it('refuses injection-like URLs and branches before running anything', async () => {
    const marker = join(tmpdir(), `berth-pwned-${randomBytes(6).toString('hex')}`);
    const tmpXExisted = existsSync('/tmp/x');
    const urls = [
      `; touch ${marker}`,
      `$(touch ${marker})`,
      `--upload-pack=touch ${marker}`,
      `-u touch ${marker}`,
      'file:///etc',
      `ext::sh -c touch% ${marker}`,
      `${repo.url} --upload-pack=touch ${marker}`,
      `ssh://-oProxyCommand=touch%20${marker.slice(1)}/app.git`,
      `git@127.0.0.1:-oProxyCommand=touch`,
      'http://169.254.169.254/',
      'http://[::ffff:169.254.169.254]/',
      'http://0xA9FEA9FE/',
      'http://2852039166/',
      '; touch /tmp/x',
      '--upload-pack=touch /tmp/x',
    ];
    const requestsBefore = server.requests.length;
    for (const url of urls) {
      const dir = freshDir();
      const refused = await failure(fetchInto({ url, dir }));
      assert.ok(refused.message.length > 0, url);
      assert.equal(existsSync(dir), false, `no directory for ${url}`);
    }
    for (const branch of [`--upload-pack=touch ${marker}`, '-x', 'a..b', 'HEAD@{1}', `$(touch ${marker})`]) {
      await failure(fetchInto({ url: repo.url, branch }));
    }
    await failure(fetchInto({ url: repo.url, commit: `--upload-pack=touch ${marker}` }));
    await failure(fetchInto({ url: repo.url, policy: { allowPrivate: false } }));
    assert.equal(server.requests.length, requestsBefore, 'the git server was never contacted');
    assert.equal(existsSync(marker), false, 'nothing was executed');
    if (!tmpXExisted) assert.equal(existsSync('/tmp/x'), false);
  });
});
