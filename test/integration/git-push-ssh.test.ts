/**
 * git push to deploy over Berth's in-process SSH server: the real OpenSSH client with a key added through
 * the API deploys; an unknown key is refused; only git-receive-pack / git-upload-pack of a service's
 * repository run, so injected commands and paths are refused. One daemon for the file, tests in order.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/daemon-process.js';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { git, workingRepo } from '../helpers/git-cli.js';
import { InjectClient, csrfTokenOf } from '../helpers/inject-client.js';
import { get } from '../helpers/load.js';

const HOST = 'web-sshy.localhost';

function makeKey(dir: string, name: string): { privateFile: string; publicLine: string } {
  const privateFile = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@test`, '-f', privateFile]);
  return { privateFile, publicLine: readFileSync(`${privateFile}.pub`, 'utf8').trim() };
}

/** GIT_SSH_COMMAND for one key; built only from mkdtemp paths (no spaces), never from input. */
function sshCommand(keyFile: string): string {
  return `ssh -i ${keyFile} -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
}

describe('git push over SSH', () => {
  let h: Harness;
  let sshPort: number;
  let keys: string;
  let known: { privateFile: string; publicLine: string };
  let stranger: { privateFile: string; publicLine: string };
  let work: string;
  let serviceId: string;
  const url = (path = 'sshy/web') => `ssh://git@127.0.0.1:${sshPort}/${path}.git`;

  before(async () => {
    sshPort = await freePort();
    h = await startHarness({ BERTH_STABILISATION_SECONDS: '1', BERTH_SSH_PORT: String(sshPort) });
    keys = mkdtempSync(join(tmpdir(), 'berth-ssh-keys-'));
    known = makeKey(keys, 'known');
    stranger = makeKey(keys, 'stranger');
    ({ serviceId } = await createFixtureService(h.api, { project: 'sshy', push: true }));
    work = await workingRepo({ ...fixtureFiles('dockerfile-app'), VERSION: 'ssh-v1\n' }, 'Over SSH');
  });
  after(async () => {
    await h?.close();
  });

  it('adds a key in the panel, listed with its fingerprint', async () => {
    const panel = new InjectClient(h.daemon.app);
    const login = await panel.postForm('/login', { _csrf: await panel.csrfFrom('/login'), ...h.admin });
    assert.equal(login.statusCode, 303);
    const empty = await panel.get('/ssh-keys');
    assert.match(empty.body, /No SSH keys yet/);
    const bad = await panel.postForm('/ssh-keys', {
      _csrf: csrfTokenOf(empty.body),
      name: 'x',
      publicKey: 'not a key',
    });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Paste one public key line/);
    const added = await panel.postForm('/ssh-keys', {
      _csrf: csrfTokenOf(empty.body),
      name: 'laptop',
      publicKey: known.publicLine,
    });
    assert.equal(added.statusCode, 200, added.body.slice(0, 500));
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${known.privateFile}.pub`], {
      encoding: 'utf8',
    }).split(' ')[1]!;
    assert.ok(added.body.includes(fingerprint), 'the panel lists the fingerprint');
    assert.match(added.body, /<td>laptop<\/td>/);
  });

  it('manages keys through the API too: list with the fingerprint, refuse duplicates and bad keys', async () => {
    const spare = makeKey(keys, 'spare');
    const added = await h.api<Record<string, string>>('POST', '/ssh-keys', {
      name: 'spare',
      publicKey: spare.publicLine,
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const removed = await h.api('DELETE', `/ssh-keys/${added.body.id}`);
    assert.equal(removed.status, 204);
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${known.privateFile}.pub`], {
      encoding: 'utf8',
    }).split(' ')[1];
    const list = await h.api<Array<Record<string, string>>>('GET', '/ssh-keys');
    assert.deepEqual(
      list.body.map((k) => [k.name, k.fingerprint]),
      [['laptop', fingerprint]],
    );
    assert.equal(
      JSON.stringify(list.body).includes(known.publicLine.split(' ')[1]!),
      false,
      'the key body is not echoed',
    );
    const again = await h.api('POST', '/ssh-keys', { name: 'again', publicKey: known.publicLine });
    assert.equal(again.status, 409);
    const privateKey = await h.api('POST', '/ssh-keys', {
      name: 'oops',
      publicKey: readFileSync(known.privateFile, 'utf8'),
    });
    assert.equal(privateKey.status, 422);
    const junk = await h.api('POST', '/ssh-keys', { name: 'junk', publicKey: 'ssh-ed25519 AAAAnotakey' });
    assert.equal(junk.status, 422);
  });

  it('deploys a push with a known key and prints the URL', async () => {
    const result = await git(['push', url(), 'main'], {
      cwd: work,
      env: { GIT_SSH_COMMAND: sshCommand(known.privateFile) },
    });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /remote: .*--- building/);
    assert.match(result.output, new RegExp(`remote: .*Live at http://${HOST}:${h.proxyPort}`));
    assert.equal((await get(h.proxyPort, HOST, '/')).body, 'ssh-v1');
    const [latest] = (await h.api<Array<Record<string, unknown>>>('GET', `/services/${serviceId}/deployments`)).body;
    assert.equal(latest?.trigger, 'push');
    assert.equal((latest?.commit as { message: string }).message, 'Over SSH');
  });

  it('refuses an unknown key', async () => {
    const result = await git(['push', url(), 'main'], {
      cwd: work,
      env: { GIT_SSH_COMMAND: sshCommand(stranger.privateFile) },
    });
    assert.notEqual(result.code, 0);
    assert.match(result.output, /Permission denied \(publickey\)/);
  });

  it('runs nothing but git for allowed paths', async () => {
    const env = { GIT_SSH_COMMAND: sshCommand(known.privateFile) };
    const marker = join(keys, 'pwned');
    const injected = await git(['clone', `--upload-pack=touch ${marker}`, url(), join(keys, 'c1')], { cwd: keys, env });
    assert.notEqual(injected.code, 0);
    assert.equal(existsSync(marker), false, injected.output);
    for (const path of ['sshy/../../etc/x', 'sshy/nope', '../sshy/web', 'sshy/main;id']) {
      const result = await git(['ls-remote', url(path)], { cwd: keys, env });
      assert.notEqual(result.code, 0, path);
    }
    const clone = await git(['clone', '--quiet', url(), join(keys, 'c2')], { cwd: keys, env });
    assert.equal(clone.code, 0, clone.output);
    assert.equal(readFileSync(join(keys, 'c2', 'VERSION'), 'utf8').trim(), 'ssh-v1');
  });

  it('keeps its host key in the data dir, readable by the daemon only', async () => {
    const dataDir = h.dataDir;
    const mode = statSync(join(dataDir, 'secrets', 'ssh_host_ed25519_key')).mode & 0o777;
    assert.equal(mode, 0o600);
  });
});
