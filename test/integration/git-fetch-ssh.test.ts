// fetchGitSource over SSH with a deploy key, against an ssh2-based server on 127.0.0.1 that runs the real
// `git upload-pack`, with the real OpenSSH client: key handling, address pinning, known hosts, errors.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAppError } from '../../src/errors.js';
import { fetchGitSource, type FetchGitOptions } from '../../src/source/git-fetch.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { watchProcesses } from '../helpers/process-watch.js';
import { startSshGitServer, type SshGitServer } from '../helpers/ssh-git-server.js';

let work: string;
let server: GitServer;
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
  const policy = { allowPrivate: true };
  const result = await fetchGitSource({ branch: 'main', dir, log: (line) => lines.push(line), policy, ...options });
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
  work = await mkdtemp(join(tmpdir(), 'berth-fetch-ssh-test-'));
  server = await startGitServer();
  repo = await server.createRepo('app', { 'index.js': 'v1' });
  firstSha = repo.sha;
  secondSha = await repo.commit({ 'index.js': 'v2' }, 'second');
});

after(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

describe('fetching over SSH with a deploy key', () => {
  let ssh: SshGitServer;
  let knownHosts: string;
  before(async () => {
    ssh = await startSshGitServer(dirname(repo.path));
    knownHosts = join(work, 'ssh', 'known_hosts');
  });
  after(async () => ssh?.close());

  it('uses the key, pins the checked address and remembers the host key', async () => {
    const url = ssh.urlFor('app', 'git.berth-test.invalid');
    const dir = freshDir();
    const keyLine = ssh.clientKey.split('\n')[1]!;
    const stopWatching = watchProcesses(dir, [keyLine]);
    const { result, lines } = await fetchInto({
      url,
      dir,
      commit: firstSha,
      credentials: { sshPrivateKey: ssh.clientKey },
      sshKnownHostsFile: knownHosts,
      resolver: async () => ['127.0.0.1'],
    });
    const seen = await stopWatching();
    assert.equal(result.sha, firstSha);
    assert.deepEqual(seen.argvLeaks, []);
    assert.ok(!lines.join('\n').includes(keyLine));
    for (const home of seen.homes) assert.equal(existsSync(join(home, 'deploy_key')), false, 'key file removed');
    assert.match(await readFile(knownHosts, 'utf8'), /git\.berth-test\.invalid/);
    // A second fetch trusts the remembered key.
    const again = await fetchInto({
      url: ssh.urlFor('app', 'git.berth-test.invalid'),
      credentials: { sshPrivateKey: ssh.clientKey },
      sshKnownHostsFile: knownHosts,
      resolver: async () => ['127.0.0.1'],
    });
    assert.equal(again.result.sha, secondSha);
  });

  it('fails cleanly with a key the server does not accept, or a host key that changed', async () => {
    const denied = await failure(
      fetchInto({
        url: ssh.urlFor('app'),
        credentials: { sshPrivateKey: ssh.strangerKey },
        sshKnownHostsFile: knownHosts,
      }),
    );
    assert.equal(denied.reason, 'auth-failed', denied.message);

    const impostor = await startSshGitServer(dirname(repo.path));
    try {
      const pinnedName = join(work, 'ssh', 'known_hosts_changed');
      await writeFile(
        pinnedName,
        (await readFile(knownHosts, 'utf8')).replaceAll(String(ssh.port), String(impostor.port)),
      );
      const changed = await failure(
        fetchInto({
          url: impostor.urlFor('app', 'git.berth-test.invalid'),
          credentials: { sshPrivateKey: impostor.clientKey },
          sshKnownHostsFile: pinnedName,
          resolver: async () => ['127.0.0.1'],
        }),
      );
      assert.equal(changed.reason, 'host-key-changed', changed.message);
    } finally {
      await impostor.close();
    }
  });
});
