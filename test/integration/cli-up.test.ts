/**
 * The developer CLI against a real `berth serve`: the real `berth` binary as a child process (its own
 * config dir), a real token, a real build on Docker. login → link → `up` of a temporary copy of the
 * dockerfile-app fixture (a .gitignore'd file, a .git/ and a symlink out stay home) → the printed URL
 * answers through the proxy → vars → status --json → a second `up` → rollback → a failing build (exit 1,
 * the live version stays). The upload endpoint
 * itself: archives with `..`, absolute paths, links out or devices are refused with 400 and nothing is
 * kept; a declared size over the cap is 413 before the body is read; no token is exit 3.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  apiClient,
  containersWithLabels,
  createAdminToken,
  createFixtureService,
  removeProjectDockerObjects,
  type ApiClient,
} from '../helpers/daemon-api.js';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { tarOf, type RawEntry } from '../helpers/raw-tar.js';
import { berth, fetchApp } from '../helpers/cli-runner.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/apps/dockerfile-app', import.meta.url));
const run = promisify(execFile);

function urlIn(output: string): string {
  const match = /Deployed: (http:\/\/\S+)/.exec(output);
  assert.ok(match, `no URL printed:\n${output}`);
  return match[1]!;
}

describe('berth CLI: login, link, up, vars, status, rollback against a real daemon', () => {
  let daemon: DaemonProcess;
  let api: ApiClient;
  let token: string;
  let serviceId: string;
  const work = mkdtempSync(join(tmpdir(), 'berth-cli-'));
  const configDir = join(work, 'config');
  const appDir = join(work, 'app');
  const cli = (args: string[], stdin?: string) => berth(args, { cwd: appDir, configDir, stdin });

  before(async () => {
    // A second of stabilisation, not three: nothing here is about the window.
    daemon = await startDaemonProcess({ env: { BERTH_UPLOAD_MAX_MB: '2', BERTH_STABILISATION_SECONDS: '1' } });
    token = await createAdminToken(daemon.dataDir);
    api = apiClient(daemon.baseUrl, token);
    ({ serviceId } = await createFixtureService(api.request, { project: 'cliup', push: true }));
    cpSync(FIXTURE, appDir, { recursive: true });
    writeFileSync(join(appDir, '.gitignore'), 'ignored.txt\n');
    writeFileSync(join(appDir, 'ignored.txt'), 'must stay on the laptop\n');
    mkdirSync(join(appDir, '.git'));
    writeFileSync(join(appDir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    symlinkSync('/etc/hostname', join(appDir, 'outside-link'));
  });

  after(async () => {
    await removeProjectDockerObjects(api?.projectIds ?? []);
    await daemon?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses every command that needs the server before login (exit 3), and a wrong token', async () => {
    const status = await cli(['status']);
    assert.equal(status.code, 3, status.stderr);
    assert.match(status.stderr, /Not logged in/);
    const json = await cli(['up', '--json']);
    assert.equal(json.code, 3);
    assert.equal((JSON.parse(json.stdout) as { error: { exitCode: number } }).error.exitCode, 3);
    const wrong = await cli(['login', '--server', daemon.baseUrl, '--token-stdin'], 'berth_not-a-real-token\n');
    assert.equal(wrong.code, 3, wrong.stderr);
    assert.equal(existsSync(join(configDir, 'credentials.json')), false);
  });

  it('reports usage errors with exit 2', async () => {
    const unknownFlag = await cli(['status', '--nope']);
    assert.equal(unknownFlag.code, 2, unknownFlag.stderr);
    const badRef = await cli(['link', 'no-slash']);
    assert.equal(badRef.code, 2, badRef.stderr);
    const noServer = await cli(['login', '--token', 'x']);
    assert.equal(noServer.code, 2, noServer.stderr);
  });

  it('logs in with a token from stdin and keeps it in a 0600 file', async () => {
    const login = await cli(['login', '--server', `${daemon.baseUrl}/`, '--token-stdin'], `${token}\n`);
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Logged in to .* as tester@example\.com/);
    const file = join(configDir, 'credentials.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('links the directory to a service by name; an unknown service is exit 4', async () => {
    const missing = await cli(['link', 'cliup/nope']);
    assert.equal(missing.code, 4, missing.stderr);
    const link = await cli(['link', 'cliup/web', '--json']);
    assert.equal(link.code, 0, link.stderr);
    assert.equal((JSON.parse(link.stdout) as { serviceId: string }).serviceId, serviceId);
    assert.ok(existsSync(join(appDir, '.berth', 'link.json')));
  });

  let firstDeployment: string;

  it('`up` uploads the directory, streams the build, prints the URL that then answers', async () => {
    const up = await cli(['up']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    assert.match(up.stdout, /--- building/);
    assert.match(up.stderr, /left out outside-link: a symlink/);
    // Not a terminal: no carriage returns or escape sequences in the output.
    assert.ok(!up.stdout.includes('\r') && !up.stdout.includes('\u001b'), 'no carriage return or escape');
    const url = urlIn(up.stdout);
    const answer = await fetchApp(url);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.trim(), 'v1');

    const deployments = (
      await api.request<Array<{ id: string; trigger: string }>>('GET', `/services/${serviceId}/deployments`)
    ).body;
    assert.equal(deployments[0]!.trigger, 'upload');
    firstDeployment = deployments[0]!.id;
    const [container] = await containersWithLabels({ 'berth.service': serviceId, 'berth.deployment': firstDeployment });
    assert.ok(container, 'the deployment has a container');
    const { stdout: listing } = await run('docker', ['exec', container.id, 'ls', '-a', '/app']);
    const files = listing.split('\n');
    assert.ok(files.includes('server.mjs'), listing);
    assert.ok(files.includes('.gitignore'), listing);
    for (const absent of ['ignored.txt', '.git', '.berth', 'outside-link'])
      assert.ok(!files.includes(absent), `${absent} was uploaded`);
    // The working copy went away after the build.
    assert.deepEqual(
      readdirSync(join(daemon.dataDir, 'builds')).filter((name) => name.startsWith('dep_')),
      [],
    );
  });

  it('`vars set` then `vars` and `status --json`: secret values are never printed', async () => {
    const set = await cli(['vars', 'set', 'GREETING=hello', 'API_TOKEN=s3cret-value']);
    assert.equal(set.code, 0, set.stderr);
    const marked = await cli(['vars', 'set', 'NOTE=quiet-value', '--secret']);
    assert.equal(marked.code, 0, marked.stderr);
    const list = await cli(['vars']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^GREETING=hello$/m);
    // Secret by its name (*_TOKEN) and marked secret with --secret.
    assert.match(list.stdout, /^API_TOKEN=\(secret\)$/m);
    assert.match(list.stdout, /^NOTE=\(secret\)$/m);
    assert.doesNotMatch(list.stdout + set.stdout + marked.stdout, /s3cret-value|quiet-value/);
    const listJson = JSON.parse((await cli(['vars', '--json'])).stdout) as Record<
      string,
      { secret: boolean; value?: string }
    >;
    assert.deepEqual(listJson.API_TOKEN, { secret: true });
    assert.deepEqual(listJson.GREETING, { secret: false, value: 'hello' });

    const status = await cli(['status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const body = JSON.parse(status.stdout) as { state: { state: string }; live: { id: string }; url: string };
    assert.equal(body.state.state, 'running');
    assert.equal(body.live.id, firstDeployment);
    assert.match(body.url, /^http:\/\/web-cliup\./);
    writeFileSync(join(work, 'import.env'), '# from a file\nexport IMPORTED="two\\nlines"\nDB_PASSWORD=hunter2\n');
    const imported = await cli(['vars', 'import', '../import.env']);
    assert.equal(imported.code, 0, imported.stderr);
    const afterImport = JSON.parse((await cli(['vars', '--json'])).stdout) as Record<string, { value?: string }>;
    assert.equal(afterImport.IMPORTED!.value, 'two\nlines');
    assert.deepEqual(afterImport.DB_PASSWORD, { secret: true });
    const unset = await cli(['vars', 'unset', 'GREETING']);
    assert.equal(unset.code, 0, unset.stderr);
    assert.doesNotMatch((await cli(['vars'])).stdout, /GREETING/);
  });

  it('a second `up` serves the new code, the variables set since, and `rollback` brings the first back', async () => {
    writeFileSync(join(appDir, 'VERSION'), 'v2\n');
    const up = await cli(['up']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    const url = urlIn(up.stdout);
    assert.equal((await fetchApp(url)).body.trim(), 'v2');
    assert.equal((await fetchApp(`${url}/env/API_TOKEN`)).body, 's3cret-value');

    const open = await cli(['open']);
    assert.equal(open.stdout.trim(), url);

    const rollback = await cli(['rollback', '--json']);
    assert.equal(rollback.code, 0, `${rollback.stdout}\n${rollback.stderr}`);
    const result = JSON.parse(rollback.stdout) as { isLive: boolean; deployment: { trigger: string } };
    assert.equal(result.isLive, true);
    assert.equal(result.deployment.trigger, 'rollback');
    assert.equal((await fetchApp(url)).body.trim(), 'v1');
  });

  it('`up` of a directory whose build fails exits 1 with the reason; the live version keeps serving', async () => {
    const broken = join(work, 'broken');
    mkdirSync(broken);
    cpSync(join(appDir, '.berth'), join(broken, '.berth'), { recursive: true });
    writeFileSync(join(broken, 'Dockerfile'), 'FROM berth-test/busybox:latest\nRUN exit 3\n');
    const up = await berth(['up'], { cwd: broken, configDir });
    assert.equal(up.code, 1, `${up.stdout}\n${up.stderr}`);
    assert.match(up.stderr, /Deployment dep_\w+ failed/);
    const url = (await cli(['open'])).stdout.trim();
    assert.equal((await fetchApp(url)).body.trim(), 'v1');
  });

  it('`logs` prints the running containers output (exit 0)', async () => {
    const logs = await cli(['logs', '--tail', '20', '--json']);
    assert.equal(logs.code, 0, logs.stderr);
  });

  describe('the upload endpoint', () => {
    const upload = (body: Buffer, headers: Record<string, string> = {}) =>
      fetch(`${daemon.baseUrl}/api/v1/services/${serviceId}/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip', ...headers },
        body,
      });
    const countDeployments = async () =>
      (await api.request<unknown[]>('GET', `/services/${serviceId}/deployments`)).body.length;
    const buildsDirEntries = () => readdirSync(join(daemon.dataDir, 'builds'));

    const bad: Array<[string, RawEntry[]]> = [
      [
        'a path with ..',
        [
          { name: 'ok.txt', body: 'fine' },
          { name: '../x', body: 'escape' },
        ],
      ],
      ['an absolute path', [{ name: '/tmp/berth-evil', body: 'evil' }]],
      ['a symlink out', [{ name: 'link', type: 'symlink', linkname: '../../../../etc/passwd' }]],
      [
        'a hard link',
        [
          { name: 'ok.txt', body: 'x' },
          { name: 'hard', type: 'link', linkname: 'ok.txt' },
        ],
      ],
      ['a device', [{ name: 'dev', type: 'character-device' }]],
    ];
    for (const [what, entries] of bad) {
      it(`refuses an archive with ${what}: 400, nothing kept, no deployment`, async () => {
        const before = await countDeployments();
        const response = await upload(gzipSync(tarOf(entries)));
        assert.equal(response.status, 400, await response.clone().text());
        const body = (await response.json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, 'BAD_REQUEST');
        assert.match(body.error.message, /Nothing was kept/);
        assert.deepEqual(buildsDirEntries(), []);
        assert.equal(await countDeployments(), before);
      });
    }

    it('refuses something that is not a gzipped tar (400) and a wrong content type (415)', async () => {
      assert.equal((await upload(Buffer.from('not gzip at all'))).status, 400);
      assert.equal((await upload(Buffer.from('{}'), { 'content-type': 'application/json' })).status, 415);
      assert.deepEqual(buildsDirEntries(), []);
    });

    it('refuses more than BERTH_UPLOAD_MAX_MB (413), declared or streamed, and keeps nothing', async () => {
      const big = Buffer.alloc(3 * 1024 * 1024, 1);
      assert.equal((await upload(big)).status, 413);
      // Streamed without a declared length: refused once the cap is passed, answered while still sending.
      const noise = Buffer.from(Array.from({ length: 6 * 1024 * 1024 }, (_, i) => (i * 7919) % 251));
      const stored = gzipSync(tarOf([{ name: 'noise', body: noise }]), { level: 0 });
      let offset = 0;
      const streamed = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= stored.length) return controller.close();
          controller.enqueue(new Uint8Array(stored.subarray(offset, offset + 64 * 1024)));
          offset += 64 * 1024;
        },
      });
      const refused = await fetch(`${daemon.baseUrl}/api/v1/services/${serviceId}/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
        body: streamed,
        duplex: 'half',
      } as RequestInit);
      assert.equal(refused.status, 413);
      assert.match(((await refused.json()) as { error: { message: string } }).error.message, /larger than 2 MB/);
      // Compressed it is small; unpacked it is over 4 × the cap.
      const bomb = gzipSync(tarOf([{ name: 'zeros', body: Buffer.alloc(9 * 1024 * 1024) }]));
      const response = await upload(bomb);
      assert.equal(response.status, 413, await response.text());
      assert.deepEqual(buildsDirEntries(), []);
    });

    it('asks for a token before reading anything (401) and for project.deploy', async () => {
      const response = await fetch(`${daemon.baseUrl}/api/v1/services/${serviceId}/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'application/gzip' },
        body: gzipSync(tarOf([{ name: 'a', body: 'b' }])),
      });
      assert.equal(response.status, 401);
    });
  });
});
