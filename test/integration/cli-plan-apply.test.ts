/**
 * Project as code with the real `berth` binary against a real `berth serve`: export writes the project
 * (secret values only as {"secret": true}); plan prints the changes and exits 2 (0 when none); apply
 * refuses without --yes when stdin is not a terminal, then applies; bad files are refused naming the path
 * (a secret value, an unknown key, an invalid service name) and change nothing; an apply after a concurrent
 * change is 409 and changes nothing; deletes need prune; the project's drift is listed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiClient, createAdminToken, removeProjectDockerObjects, type ApiClient } from '../helpers/daemon-api.js';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { berth } from '../helpers/cli-runner.js';

type File = {
  services: Record<string, Record<string, unknown> & { variables?: Record<string, unknown> }>;
  databases: Record<string, unknown>;
} & Record<string, unknown>;

describe('berth export / plan / apply against a real daemon', () => {
  let daemon: DaemonProcess;
  let api: ApiClient;
  let projectId: string;
  let webId: string;
  const work = mkdtempSync(join(tmpdir(), 'berth-plan-'));
  const configDir = join(work, 'config');
  const cli = (args: string[], stdin?: string) => berth(args, { cwd: work, configDir, stdin });
  const fileAt = join(work, 'berth.project.json');
  const readProjectFile = () => JSON.parse(readFileSync(fileAt, 'utf8')) as File;
  const write = (file: unknown, name = 'berth.project.json') => writeFileSync(join(work, name), JSON.stringify(file));
  const web = async () => (await api.request<Record<string, unknown>>('GET', `/services/${webId}`)).body;

  before(async () => {
    daemon = await startDaemonProcess({});
    const token = await createAdminToken(daemon.dataDir);
    api = apiClient(daemon.baseUrl, token);
    projectId = (await api.request<{ id: string }>('POST', '/projects', { name: 'planned' })).body.id;
    const created = await api.request<{ id: string }>('POST', `/projects/${projectId}/services`, {
      name: 'web',
      source: { type: 'push', branch: 'main' },
    });
    webId = created.body.id;
    await api.request('PUT', `/services/${webId}/variables`, { LOG_LEVEL: 'info', API_TOKEN: 's3cret-value' });
    const login = await cli(['login', '--server', daemon.baseUrl, '--token-stdin'], `${token}\n`);
    assert.equal(login.code, 0, login.stderr);
  });

  after(async () => {
    // The database the file created: removed with its volume (the helper below removes containers only).
    const databases = projectId
      ? (await api.request<Array<{ id: string; name: string }>>('GET', `/projects/${projectId}/databases`)).body
      : [];
    for (const database of Array.isArray(databases) ? databases : []) {
      await api.request('DELETE', `/databases/${database.id}`, { confirm: database.name, deleteVolume: true });
    }
    await removeProjectDockerObjects(api?.projectIds ?? []);
    await daemon?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('exports the project without secret values, and a plan of the export has no changes (exit 0)', async () => {
    const exported = await cli(['export', '--project', 'planned']);
    assert.equal(exported.code, 0, exported.stderr);
    const file = readProjectFile();
    assert.equal(file.environment, 'production');
    assert.deepEqual(file.services.web!.variables, { API_TOKEN: { secret: true }, LOG_LEVEL: 'info' });
    assert.ok(!readFileSync(fileAt, 'utf8').includes('s3cret-value'));
    const plan = await cli(['plan', '--project', 'planned']);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /no changes/);
    const schema = await fetch(`${daemon.baseUrl}/schema/berth.project.json`);
    assert.equal(schema.status, 200);
  });

  it('plans changes (exit 2), refuses apply without --yes off a terminal, then applies them', async () => {
    const file = readProjectFile();
    file.services.web!.replicas = 2;
    file.services.web!.variables = { ...file.services.web!.variables, GREETING: 'hello' };
    file.services.backend = { source: { type: 'push', branch: 'main' }, port: 8080 };
    file.databases.cache = { engine: 'redis', backup: { schedule: '0 3 * * *', keep: 3 } };
    write(file);
    const plan = await cli(['plan', '--project', 'planned']);
    assert.equal(plan.code, 2, plan.stderr);
    assert.match(plan.stdout, /^\+ service backend$/m);
    assert.match(plan.stdout, /^~ web\.replicas 1 → 2$/m);
    assert.match(plan.stdout, /^\+ web\.variables\.GREETING = "hello"$/m);
    assert.match(plan.stdout, /^\+ database cache$/m);
    const json = JSON.parse((await cli(['plan', '--project', 'planned', '--json'])).stdout) as { changes: unknown[] };
    assert.equal(json.changes.length, 4);

    const refused = await cli(['apply', '--project', 'planned']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /--yes/);
    assert.equal((await web()).replicas, 1, 'nothing applied');

    const applied = await cli(['apply', '--project', 'planned', '--yes']);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((await web()).replicas, 2);
    const vars = (await api.request<Record<string, string>>('GET', `/services/${webId}/variables`)).body;
    assert.equal(vars.GREETING, 'hello');
    assert.equal(vars.API_TOKEN, 's3cret-value', 'the secret kept its server value');
    const services = (
      await api.request<Array<{ name: string; port: number }>>('GET', `/projects/${projectId}/services`)
    ).body;
    assert.equal(services.find((s) => s.name === 'backend')?.port, 8080);
    type Db = { name: string; engine: string; backupSchedule: string | null; backupKeep: number };
    const databases = (await api.request<Db[]>('GET', `/projects/${projectId}/databases`)).body;
    assert.deepEqual(
      databases.map((d) => [d.name, d.engine, d.backupSchedule, d.backupKeep]),
      [['cache', 'redis', '0 3 * * *', 3]],
    );
    assert.equal((await cli(['plan', '--project', 'planned'])).code, 0);
  });

  it('refuses bad files naming the path, and changes nothing', async () => {
    const base = readProjectFile();
    const cases: Array<[string, (f: File) => void, RegExp]> = [
      [
        'secret',
        (f) => (f.services.web!.variables = { API_TOKEN: 'plain-text' }),
        /services\.web\.variables\.API_TOKEN/,
      ],
      ['unknown', (f) => (f.services.web!.privileged = true), /services\.web\.privileged: is not a known setting/],
      ['name', (f) => (f.services['Bad_Name'] = { source: { type: 'push', branch: 'main' } }), /services\.Bad_Name/],
      ['top', (f) => (f.extra = 1), /extra: is not a known setting/],
    ];
    for (const [label, mutate, expected] of cases) {
      const file = structuredClone(base);
      mutate(file);
      write(file, `${label}.json`);
      const result = await cli(['apply', '--project', 'planned', '--yes', '--file', `${label}.json`]);
      assert.equal(result.code, 1, `${label}: ${result.stderr}`);
      assert.match(result.stderr, expected, label);
    }
    assert.equal((await web()).replicas, 2);
    const vars = (await api.request<Record<string, string>>('GET', `/services/${webId}/variables`)).body;
    assert.equal(vars.API_TOKEN, 's3cret-value');
  });

  it('refuses an apply after a concurrent change with 409, and changes nothing', async () => {
    const file = readProjectFile();
    file.services.web!.replicas = 3;
    const plan = await api.request<{ planHash: string }>('POST', `/projects/${projectId}/config/plan`, { file });
    assert.equal(plan.status, 200);
    await api.request('PATCH', `/services/${webId}`, { releaseCommand: 'echo changed' });
    const apply = await api.request<{ error: { code: string } }>('POST', `/projects/${projectId}/config/apply`, {
      file,
      expectPlanHash: plan.body.planHash,
    });
    assert.equal(apply.status, 409);
    assert.equal(apply.body.error.code, 'CONFLICT');
    assert.equal((await web()).replicas, 2);
  });

  it('deletes only with prune, and reports drift from the file last applied', async () => {
    const file = readProjectFile(); // has backend and replicas 2; the server now has a release command too
    delete file.services.backend;
    write(file);
    const kept = await cli(['apply', '--project', 'planned', '--yes']);
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout, /^- service backend \(kept: apply deletes only with --prune\)$/m);
    const list = async () =>
      (await api.request<Array<{ name: string }>>('GET', `/projects/${projectId}/services`)).body.map((s) => s.name);
    assert.deepEqual((await list()).sort(), ['backend', 'web']);
    const pruned = await cli(['apply', '--project', 'planned', '--yes', '--prune']);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.deepEqual(await list(), ['web']);

    await api.request('PATCH', `/services/${webId}`, { replicas: 4 });
    const drift = await api.request<{ drift: { changes: Array<{ path: string; old: unknown; new: unknown }> } }>(
      'GET',
      `/projects/${projectId}/config/drift`,
    );
    assert.equal(drift.status, 200);
    assert.deepEqual(
      drift.body.drift.changes.map((c) => [c.path, c.old, c.new]),
      [['web.replicas', 4, 2]],
    );
  });
});
