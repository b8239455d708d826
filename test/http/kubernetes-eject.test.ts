/**
 * "Eject": a project's apps as Kubernetes manifests (API and panel download). The YAML parses back to the
 * objects the scheduler's builders make for the active deployment (image, replicas, probe from the health
 * check), Secrets list the variable keys but never a value, an app without an active deployment is
 * skipped and said so, and only developers and up may download it. A database comes with its Secret,
 * Services and StatefulSet (no hostPath PersistentVolume), its passwords left out: empty keys, and a
 * placeholder the server refuses to start with where a file would hold one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insertDeployment, updateDeployment } from '../../src/deploys/deployments.repository.js';
import { parseYaml } from '../../src/lib/yaml-document.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { upsertGrant } from '../../src/auth/members.repository.js';
import { newId, nowIso } from '../../src/lib/ids.js';
import { addMember, signIn } from '../helpers/team-fixture.js';
import { FILE_PLACEHOLDER } from '../../src/databases/kubernetes-database-eject.js';

const SECRET_VALUE = 'hunter2-never-exported';

describe('Kubernetes manifests export (eject)', () => {
  let t: TestApp;
  let projectId: string;
  let headers: Record<string, string>;

  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    const api = async (method: 'POST' | 'PUT' | 'PATCH', url: string, payload: object) =>
      (await t.app.inject({ method, url, headers, payload })).json();
    projectId = (await api('POST', '/api/v1/projects', { name: 'shop' })).id;
    const web = await api('POST', `/api/v1/projects/${projectId}/services`, {
      name: 'web',
      source: { type: 'image', image: 'berth-test/busybox:latest' },
    });
    await api('POST', `/api/v1/projects/${projectId}/services`, {
      name: 'later',
      source: { type: 'image', image: 'berth-test/busybox:latest' },
    });
    await api('PUT', `/api/v1/services/${web.id}/variables`, { API_KEY: SECRET_VALUE, MODE: 'live' });
    const row = await insertDeployment(t.db, {
      id: newId('dep'),
      service_id: web.id,
      trigger: 'manual',
      triggered_by: 'test@example.com',
      image: 'berth/shop-web:abc123',
      rollback_of: null,
    });
    await updateDeployment(t.db, row.id, { status: 'active' });
  });
  after(() => t.close());

  function documents(yaml: string): Array<{ kind: string; metadata: { name: string }; [key: string]: unknown }> {
    return yaml
      .split(/^---$/m)
      .slice(1)
      .map((text) => {
        const parsed = parseYaml(text);
        assert.deepEqual(parsed.problems, []);
        return parsed.value as { kind: string; metadata: { name: string } };
      });
  }

  it('exports the active release of each app, with variable keys but no values', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/projects/${projectId}/kubernetes.yaml`, headers });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^application\/yaml/);
    assert.match(res.headers['content-disposition'] as string, /attachment; filename="shop-kubernetes.yaml"/);
    assert.doesNotMatch(res.body, new RegExp(SECRET_VALUE));
    assert.doesNotMatch(res.body, new RegExp(Buffer.from(SECRET_VALUE).toString('base64')));
    assert.match(res.body, /skipped \(no active deployment yet\): later/);
    const docs = documents(res.body);
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['Namespace', 'Secret', 'Deployment', 'Service'],
    );
    const secret = docs[1] as unknown as { data: Record<string, string> };
    assert.deepEqual(secret.data, { API_KEY: '', MODE: '' });
    const deployment = docs[2] as unknown as {
      spec: { replicas: number; template: { spec: { containers: Array<{ image: string; readinessProbe: object }> } } };
    };
    assert.equal(deployment.spec.replicas, 1);
    const [container] = deployment.spec.template.spec.containers;
    assert.equal(container!.image, 'berth/shop-web:abc123');
    assert.ok(container!.readinessProbe, 'the health check becomes a readiness probe');
  });

  it('exports each database with its Secret (passwords left out), Services and StatefulSet, no PersistentVolume', async () => {
    const databases = t.ctx.databases.databases;
    const id = await databases.insertRow(t.db, projectId, { name: 'cache', engine: 'redis' });
    const pgId = await databases.insertRow(t.db, projectId, { name: 'pg', engine: 'postgres' });
    try {
      const password = (await databases.reveal(id)).REDISPASSWORD!;
      const pgPassword = (await databases.reveal(pgId)).PGPASSWORD!;
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/projects/${projectId}/kubernetes.yaml`, headers });
      assert.equal(res.statusCode, 200);
      for (const secret of [password, pgPassword]) {
        assert.doesNotMatch(res.body, new RegExp(secret));
        assert.doesNotMatch(res.body, new RegExp(Buffer.from(`requirepass "${secret}"\n`).toString('base64')));
      }
      assert.match(res.body, /hostPath PersistentVolume Berth makes/);
      const docs = documents(res.body);
      assert.deepEqual(
        docs.slice(4).map((d) => `${d.kind}/${d.metadata.name}`),
        [
          `Secret/${id.replace('_', '-')}-credentials`,
          `Service/${id.replace('_', '-')}-pods`,
          'Service/cache',
          `StatefulSet/${id.replace('_', '-')}`,
          `Secret/${pgId.replace('_', '-')}-credentials`,
          `Service/${pgId.replace('_', '-')}-pods`,
          'Service/pg',
          `StatefulSet/${pgId.replace('_', '-')}`,
        ],
      );
      const secretOf = (name: string) =>
        (
          docs.find((d) => d.kind === 'Secret' && d.metadata.name === name) as unknown as {
            data: Record<string, string>;
          }
        ).data;
      const decoded = (data: Record<string, string>) =>
        Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      assert.deepEqual(decoded(secretOf(`${id.replace('_', '-')}-credentials`)), {
        REDISCLI_AUTH: '',
        'file-0': FILE_PLACEHOLDER,
      });
      assert.deepEqual(decoded(secretOf(`${pgId.replace('_', '-')}-credentials`)), {
        POSTGRES_USER: 'app',
        POSTGRES_PASSWORD: '',
        POSTGRES_DB: 'app',
      });
      const set = docs.find(
        (d) => d.kind === 'StatefulSet' && d.metadata.name === pgId.replace('_', '-'),
      ) as unknown as {
        spec: { replicas: number; volumeClaimTemplates: Array<{ spec: Record<string, unknown> }> };
      };
      assert.equal(set.spec.replicas, 1);
      assert.ok(!('storageClassName' in set.spec.volumeClaimTemplates[0]!.spec), "the cluster's default StorageClass");
      assert.match(
        res.body,
        new RegExp(`pg \\(postgres\\): Secret ${pgId.replace('_', '-')}-credentials, fill POSTGRES_PASSWORD`),
      );
    } finally {
      await databases.remove(id, { confirm: 'cache' });
      await databases.remove(pgId, { confirm: 'pg' });
    }
  });

  it('is a download in the panel for developers, refused to viewers and strangers', async () => {
    const panel = await signedInClient(t.app);
    const page = await panel.get(`/projects/${projectId}`);
    assert.match(page.body, /id="export-kubernetes"/);
    const file = await panel.get(`/projects/${projectId}/kubernetes.yaml`);
    assert.equal(file.statusCode, 200);
    assert.match(file.body, /kind: Deployment/);

    const viewer = await addMember(t, 'viewer@example.com');
    await upsertGrant(t.db, { projectId, userId: viewer.id, role: 'viewer' }, nowIso());
    const viewerClient = await signIn(t, viewer.email);
    assert.doesNotMatch((await viewerClient.get(`/projects/${projectId}`)).body, /id="export-kubernetes"/);
    assert.equal((await viewerClient.get(`/projects/${projectId}/kubernetes.yaml`)).statusCode, 403);
    const anonymous = await t.app.inject({ method: 'GET', url: `/api/v1/projects/${projectId}/kubernetes.yaml` });
    assert.equal(anonymous.statusCode, 401);
  });

  it('answers 404 for a project that does not exist', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/projects/prj_nothing/kubernetes.yaml', headers });
    assert.equal(res.statusCode, 404);
  });
});
