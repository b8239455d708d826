/**
 * `berth restore` onto a FRESH server brings managed databases back with their data, and domains with
 * their certificates. A real daemon makes a Postgres database with rows and a verified backup, a second
 * one without backups, and a domain (its certificate order fails at once: the ACME directory is a closed
 * loopback port); a panel backup is taken; then the "old server" goes away (daemon stopped, its
 * containers AND volumes removed) and a second daemon starts on the restored data dir.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPanelBackup } from '../../src/backup/panel-backup.js';
import { restorePanelBackup } from '../../src/backup/panel-restore.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { createSelfSignedCertificate } from '../../src/tls/self-signed-certificate.js';
import { CertificateFiles } from '../../src/tls/certificate-files.js';
import { startHarness, type Harness } from '../helpers/deploy-harness.js';
import { testDockerEndpoint } from '../helpers/docker-test-env.js';

const ENV = {
  BERTH_DB_IMAGE_POSTGRES: 'berth-test/postgres:15',
  BERTH_ACME_DIRECTORY: 'http://127.0.0.1:9/directory',
};
const GIT = { type: 'git', url: 'https://1.1.1.1/acme/web.git', branch: 'main' };
const HOSTNAME = 'shop.example.org';
const PASSPHRASE = 'restore test passphrase';

type Db = { id: string; status: string; lastError: string | null };
type Domain = { hostname: string; certificate: { lastError: string | null; failures: number; serving: string } };

describe('restore on a fresh server: databases, domains and certificates come back', () => {
  const runtime = new DockerRuntime(testDockerEndpoint());
  const work = mkdtempSync(join(tmpdir(), 'berth-restore-dbs-'));
  let first: Harness | undefined;
  let second: Harness | undefined;
  const databaseIds: string[] = [];

  const waitFor = async <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 400)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const databaseOf = (h: Harness, id: string) => async () => (await h.api<Db>('GET', `/databases/${id}`)).body;
  const psql = async (id: string, password: string, sql: string) => {
    const [c] = await runtime.listContainers({ 'berth.service': id, 'berth.role': 'database' });
    assert.ok(c, `no container for database ${id}`);
    const argv = ['psql', '-h', '127.0.0.1', '-U', 'app', '-d', 'app', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql];
    const result = await runtime.exec(c.id, argv, { env: { PGPASSWORD: password } });
    assert.equal(result.exitCode, 0, result.stderr);
    return result.stdout.trim();
  };
  /** What a fresh server lacks: the database containers and their volumes. */
  const removeEngineState = async () => {
    for (const id of databaseIds) {
      for (const c of await runtime.listContainers({ 'berth.service': id }))
        await runtime.removeContainer(c.id, { volumes: true });
      await runtime.removeVolume(`berth-${id}-data`);
    }
  };

  before(async () => {
    await runtime.start();
    first = await startHarness(ENV);
  });
  after(async () => {
    await first?.close().catch(() => {});
    await second?.close().catch(() => {});
    await removeEngineState().catch(() => {});
    rmSync(work, { recursive: true, force: true });
    await runtime.stop();
  });

  it('recreates each database from its latest verified backup (or says it started empty)', async () => {
    const h = first!;
    const project = await h.api<{ id: string }>('POST', '/projects', { name: 'vault' });
    assert.equal(project.status, 201);
    const projectId = project.body.id;
    const web = await h.api<{ id: string }>('POST', `/projects/${projectId}/services`, { name: 'web', source: GIT });
    assert.equal(web.status, 201, JSON.stringify(web.body));
    const created: Db[] = [];
    for (const name of ['ledger', 'scratch']) {
      const db = await h.api<Db>('POST', `/projects/${projectId}/databases`, {
        name,
        engine: 'postgres',
        memoryMb: 256,
      });
      assert.equal(db.status, 201, JSON.stringify(db.body));
      databaseIds.push(db.body.id);
      created.push(db.body);
    }
    const [ledger, scratch] = created as [Db, Db];
    for (const db of created) {
      const ready = await waitFor('database', databaseOf(h, db.id), (d) => d.status !== 'creating');
      assert.equal(ready.status, 'running', ready.lastError ?? '');
    }
    const revealed = await h.api<{ variables: Record<string, string> }>('GET', `/databases/${ledger.id}/credentials`);
    const password = revealed.body.variables.PGPASSWORD!;
    await psql(ledger.id, password, 'create table entries (id int primary key, memo text)');
    await psql(ledger.id, password, "insert into entries select g, 'entry ' || g from generate_series(1, 300) g");

    const started = await h.api<{ id: string }>('POST', `/databases/${ledger.id}/backups`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const backup = await waitFor(
      'backup',
      async () => (await h.api<{ status: string; error: string | null }>('GET', `/backups/${started.body.id}`)).body,
      (b) => b.status !== 'running',
    );
    assert.equal(backup.status, 'verified', backup.error ?? '');
    // Written after the backup: not in it, so it must not come back (the restore is of THAT backup).
    await psql(ledger.id, password, "insert into entries values (301, 'after the backup')");

    const added = await h.api('POST', `/services/${web.body.id}/domains`, { hostname: HOSTNAME });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const domainsBefore = await waitFor(
      'certificate order',
      async () => (await h.api<Domain[]>('GET', `/services/${web.body.id}/domains`)).body,
      (list) => list[0]?.certificate.lastError !== null && list[0]?.certificate.lastError !== undefined,
    );
    // The files as an issued certificate would leave them (no CA here): they must come back byte for byte.
    await new CertificateFiles(join(h.dataDir, 'certs')).write(HOSTNAME, await createSelfSignedCertificate(HOSTNAME));
    const certPem = readFileSync(join(h.dataDir, 'certs', HOSTNAME, 'cert.pem'), 'utf8');

    const archive = join(work, 'panel.berth');
    await createPanelBackup({ dataDir: h.dataDir, passphrase: PASSPHRASE, out: archive, version: 'test' });

    // The old server goes away entirely.
    await h.close();
    first = undefined;
    await removeEngineState();

    const fresh = join(work, 'fresh');
    const restored = await restorePanelBackup({
      archive,
      passphrase: PASSPHRASE,
      dataDir: fresh,
      hasImage: async () => false,
    });
    assert.equal(restored.databases, 2);
    second = await startHarness({ ...ENV, BERTH_DATA_DIR: fresh });
    second.projectIds.push(projectId);
    const h2 = second;

    const back = await waitFor('restored database', databaseOf(h2, ledger.id), (d) => d.status !== 'creating');
    assert.equal(back.status, 'running', back.lastError ?? '');
    assert.match(back.lastError ?? '', new RegExp(`^Restored from backup ${started.body.id} of \\d{4}-`));
    assert.equal(await psql(ledger.id, password, 'select count(*) from entries'), '300');
    assert.equal(await psql(ledger.id, password, 'select memo from entries where id = 42'), 'entry 42');

    const empty = await waitFor('empty database', databaseOf(h2, scratch.id), (d) => d.status !== 'creating');
    assert.equal(empty.status, 'running', empty.lastError ?? '');
    assert.equal(empty.lastError, 'No verified backup: started empty.');

    const domainsAfter = (await h2.api<Domain[]>('GET', `/services/${web.body.id}/domains`)).body;
    assert.deepEqual(
      domainsAfter.map((d) => d.hostname),
      [HOSTNAME],
    );
    assert.equal(domainsAfter[0]!.certificate.lastError, domainsBefore[0]!.certificate.lastError);
    assert.ok(domainsAfter[0]!.certificate.failures >= domainsBefore[0]!.certificate.failures);
    assert.equal(readFileSync(join(fresh, 'certs', HOSTNAME, 'cert.pem'), 'utf8'), certPem);
  });
});
