/**
 * git push to deploy over smart HTTP, end to end: the real git client pushes to the daemon's
 * /git/<project>/<service>.git remote, `git http-backend` stores the pack, the pre-receive hook deploys the
 * commit on the Docker engine and the push output streams the deployment. One daemon for the file; the
 * tests build on each other in order.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { commitFiles, git, mustGit, workingRepo } from '../helpers/git-cli.js';
import { get } from '../helpers/load.js';
import { InjectClient } from '../helpers/inject-client.js';

const HOST = 'web-pushy.localhost';

describe('git push over HTTP', () => {
  let h: Harness;
  let work: string;
  let token: string;
  let serviceId: string;
  let remote: string;
  let liveSha: string;

  const answer = async () => (await get(h.proxyPort, HOST, '/')).body;
  const deployments = async () =>
    (await h.api<Array<Record<string, unknown>>>('GET', `/services/${serviceId}/deployments`)).body;
  const remoteRefs = async () => {
    const out = await mustGit(['ls-remote', remote], work);
    return Object.fromEntries(
      out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t').reverse()),
    );
  };

  before(async () => {
    h = await startHarness({ BERTH_STABILISATION_SECONDS: '1' });
    ({ serviceId } = await createFixtureService(h.api, { project: 'pushy', push: true }));
    token = (await h.api<{ token: string }>('POST', '/tokens', { name: 'push' })).body.token;
    const base = new URL(h.panelUrl);
    remote = `http://git:${token}@${base.host}/git/pushy/web.git`;
    work = await workingRepo({ ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' }, 'First release');
  });
  after(async () => {
    await h?.close();
  });

  it('refuses a wrong token with 401 and stores nothing', async () => {
    const wrong = remote.replace(token, 'berth_wrongwrongwrongwrongwrongwrongwrongwrongwro');
    const result = await git(['push', wrong, 'main'], { cwd: work, timeoutMs: 30_000 });
    assert.notEqual(result.code, 0);
    assert.match(result.output, /Authentication failed|401/);
    const response = await fetch(`${h.panelUrl}/git/pushy/web.git/info/refs?service=git-receive-pack`);
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.deepEqual(await deployments(), []);
    assert.deepEqual(await remoteRefs(), {}, 'the repository holds no refs');
  });

  it('deploys a push to main, streams the build and ends with the URL', async () => {
    liveSha = (await mustGit(['rev-parse', 'HEAD'], work)).trim();
    const result = await git(['push', remote, 'main'], { cwd: work });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /remote: .*--- building/);
    assert.match(result.output, /remote: .*(COPY|Step|\[\d\/\d\])/);
    assert.match(result.output, /remote: .*Container [0-9a-f]{12} is healthy/);
    assert.match(result.output, new RegExp(`remote: .*Live at http://${HOST}:${h.proxyPort}`));
    assert.equal(await answer(), 'v1');
    const [latest] = await deployments();
    assert.equal(latest?.trigger, 'push');
    assert.equal(latest?.status, 'active');
    assert.deepEqual(latest?.commit, {
      sha: liveSha,
      message: 'First release',
      author: 'Pusher Person <pusher@example.com>',
    });
    assert.equal((await remoteRefs())['refs/heads/main'], liveSha);
  });

  it('rejects a push whose build fails: the ref stays and the old version keeps serving', async () => {
    await commitFiles(work, { Dockerfile: 'FROM scratch\nRUN exit 3\n', VERSION: 'broken\n' }, 'Broken build');
    const result = await git(['push', remote, 'main'], { cwd: work });
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /remote: .*Push rejected: deployment failed/);
    assert.match(result.output, /pre-receive hook declined/);
    assert.equal((await remoteRefs())['refs/heads/main'], liveSha);
    assert.equal(await answer(), 'v1');
    await mustGit(['reset', '--quiet', '--hard', liveSha], work);
  });

  it('rejects a push whose app fails its health check', async () => {
    const dockerfile = fixtureFiles('dockerfile-app')['Dockerfile']!.replace(
      'CMD ["node", "server.mjs"]',
      'CMD ["node", "-e", "console.log(\'crashing on purpose\'); process.exit(3)"]',
    );
    await commitFiles(work, { Dockerfile: dockerfile, VERSION: 'crashes\n' }, 'Crashes at start');
    const result = await git(['push', remote, 'main'], { cwd: work });
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /remote: .*Health check failed/);
    assert.match(result.output, /remote: .*crashing on purpose/);
    assert.match(result.output, /remote: .*The previous version keeps serving/);
    assert.equal((await remoteRefs())['refs/heads/main'], liveSha);
    assert.equal(await answer(), 'v1');
    await mustGit(['reset', '--quiet', '--hard', liveSha], work);
  });

  it('stores a push to another branch without deploying it, and deletes it again', async () => {
    const before = (await deployments()).length;
    await mustGit(['checkout', '--quiet', '-b', 'feature'], work);
    const sha = await commitFiles(work, { VERSION: 'feature\n' }, 'Feature work');
    const result = await git(['push', remote, 'feature'], { cwd: work });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /remote: Stored feature; not deployed \(Berth deploys main\)/);
    assert.equal((await remoteRefs())['refs/heads/feature'], sha);
    assert.equal((await deployments()).length, before);
    assert.equal(await answer(), 'v1');
    const deleted = await git(['push', remote, ':feature'], { cwd: work });
    assert.equal(deleted.code, 0, deleted.output);
    assert.equal((await remoteRefs())['refs/heads/feature'], undefined);
    await mustGit(['checkout', '--quiet', 'main'], work);
  });

  it('deploys a force push of rewritten history', async () => {
    await mustGit(['commit', '--quiet', '--amend', '-m', 'First release, reworded'], work);
    await commitFiles(work, { VERSION: 'v2\n' }, 'Second release');
    const sha = (await mustGit(['rev-parse', 'HEAD'], work)).trim();
    const plain = await git(['push', remote, 'main'], { cwd: work });
    assert.notEqual(plain.code, 0, 'a non-fast-forward push without --force is refused by git');
    const forced = await git(['push', '--force', remote, 'main'], { cwd: work });
    assert.equal(forced.code, 0, forced.output);
    assert.equal(await answer(), 'v2');
    assert.equal((await remoteRefs())['refs/heads/main'], sha);
  });

  it('serves clones of what was pushed', async () => {
    const clone = join(work, '..', `${work.split('/').pop()}-clone`);
    const result = await git(['clone', '--quiet', remote, clone], { cwd: work });
    assert.equal(result.code, 0, result.output);
    assert.equal((await mustGit(['show', 'HEAD:VERSION'], clone)).trim(), 'v2');
  });

  it('streams a large (chunked) push, a gzip-compressed fetch negotiation and protocol v2', async () => {
    const big = randomBytes(3 * 1024 * 1024).toString('base64');
    await mustGit(['checkout', '--quiet', '-b', 'big'], work);
    const bigSha = await commitFiles(work, { 'big.txt': big }, 'Big file');
    const traced = await git(['push', remote, 'big'], {
      cwd: work,
      env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' },
    });
    assert.equal(traced.code, 0, traced.output);
    assert.match(traced.output, /Transfer-Encoding: chunked/i, 'a pack over http.postBuffer is sent chunked');
    await mustGit(['checkout', '--quiet', 'main'], work);
    // A clone with many local commits sends a long list of "have" lines: git gzips that request body.
    const clone = join(work, '..', `${work.split('/').pop()}-gzip`);
    await mustGit(['clone', '--quiet', '--single-branch', '--branch', 'main', remote, clone], work);
    for (let i = 0; i < 40; i++) await commitFiles(clone, { [`local-${i}.txt`]: `${i}` }, `local ${i}`);
    const fetched = await git(['-c', 'protocol.version=2', 'fetch', 'origin', 'big'], {
      cwd: clone,
      env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1', GIT_TRACE_PACKET: '1' },
    });
    assert.equal(fetched.code, 0, fetched.output);
    assert.match(fetched.output, /Content-Encoding: gzip/i);
    assert.match(fetched.output, /version 2/);
    assert.equal((await mustGit(['rev-parse', 'FETCH_HEAD'], clone)).trim(), bigSha);
    assert.equal((await mustGit(['show', `${bigSha}:big.txt`], clone)).trim(), big);
    assert.equal(await answer(), 'v2', 'a push to another branch deploys nothing');
  });

  it('shows the push remote and the pushed commits in the panel', async () => {
    const panel = new InjectClient(h.daemon.app);
    const login = await panel.postForm('/login', { _csrf: await panel.csrfFrom('/login'), ...h.admin });
    assert.equal(login.statusCode, 303);
    const git = await panel.get(`/services/${serviceId}/git`);
    assert.equal(git.statusCode, 200);
    assert.match(git.body, /<code id="git-http-remote">http:\/\/localhost:\d+\/git\/pushy\/web\.git<\/code>/);
    assert.match(git.body, /id="git-ssh-remote">ssh:\/\/git@localhost:\d+\/pushy\/web\.git/);
    const list = await panel.get(`/services/${serviceId}/deployments`);
    const [latest] = await deployments();
    const sha = (latest?.commit as { sha: string }).sha;
    assert.ok(list.body.includes(`<code>${sha.slice(0, 7)}</code> Second release`), list.body.slice(0, 2000));
    assert.match(list.body, /push by deployer@example\.com/);
  });

  it('queues a push that arrives while a deploy of the service runs', async () => {
    const running = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(running.status, 201);
    const sha = await commitFiles(work, { VERSION: 'v3\n' }, 'Third release');
    const result = await git(['push', remote, 'main'], { cwd: work });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /remote: Another deployment of this service is running; this one waits for it/);
    assert.equal((await h.waitForDeployment(running.body.id)).status, 'replaced');
    assert.equal(await answer(), 'v3');
    const [latest] = await deployments();
    assert.equal((latest?.commit as { sha: string }).sha, sha);
  });

  it('rejects bad paths and branch names', async () => {
    const auth = { authorization: `Basic ${Buffer.from(`git:${token}`).toString('base64')}` };
    for (const path of [
      '/git/pushy/../../x.git/info/refs?service=git-upload-pack',
      '/git/../../etc/web.git/info/refs?service=git-upload-pack',
      '/git/pushy/--upload-pack=touch.git/info/refs?service=git-upload-pack',
      '/git/pushy/main;id.git/info/refs?service=git-upload-pack',
      '/git/pushy/nope.git/info/refs?service=git-upload-pack',
      '/git/pushy/web.git/info/refs',
      '/git/pushy/web.git/info/refs?service=git-upload-pack;id',
      '/git/pushy/web.git/objects/info/packs',
    ]) {
      const response = await fetch(`${h.panelUrl}${path}`, { headers: auth });
      assert.equal(response.status, 404, path);
    }
    const before = (await deployments()).length;
    const result = await git(['push', remote, 'HEAD:refs/heads/main;id'], { cwd: work });
    assert.notEqual(result.code, 0);
    assert.match(result.output, /not a branch name Berth accepts/);
    assert.equal((await remoteRefs())['refs/heads/main;id'], undefined);
    assert.equal((await deployments()).length, before);
    const upload = await git(['clone', '--upload-pack=touch /tmp/berth-pwned', remote, join(work, '..', 'x-clone')], {
      cwd: work,
    });
    assert.equal(existsSync('/tmp/berth-pwned'), false, upload.output);
  });

  it("gives a new service of a deleted one's name an empty repository", async () => {
    assert.equal((await h.api('DELETE', `/services/${serviceId}`, { confirm: 'web' })).status, 200);
    const projectId = h.projectIds[0]!;
    const again = await h.api<{ id: string }>('POST', `/projects/${projectId}/services`, {
      name: 'web',
      source: { type: 'push', branch: 'main' },
    });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.deepEqual(await remoteRefs(), {});
    const deploy = await h.api<{ id: string }>('POST', `/services/${again.body.id}/deployments`);
    const ended = await h.waitForDeployment(deploy.body.id);
    assert.equal(ended.status, 'failed');
    assert.match(String(ended.error), /Nothing was pushed to main yet/);
  });
});
