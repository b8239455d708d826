/**
 * Managed Postgres: time from "create" to a healthy database, then backup (dump + gzip + sha256),
 * verification (restore into a throwaway container and count rows) and restore for a ~100 MB database
 * filled with generate_series. Baseline, in the same run and on the same container: the engine's tools
 * by hand through the Docker CLI (pg_dump -Fc to a file inside the container, pg_restore --clean of it).
 * Run: `npm run bench:db-backup` (loopback only; about two minutes; uses berth-test/postgres:15).
 */
import { loadavg } from 'node:os';
import { DockerRuntime } from '../src/runtime/docker.js';
import { startHarness, type Harness } from '../test/helpers/deploy-harness.js';
import { testDockerEndpoint } from '../test/helpers/docker-test-env.js';
import { docker } from './lib/docker-cli.js';
import { formatMs, markdownTable, median } from './lib/stats.js';

const IMAGE = process.env.BENCH_PG_IMAGE ?? 'berth-test/postgres:15';
const ROWS = 1_000_000; // ~100 MB with two md5 columns
const RUNS = 2;

async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(value).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const runtime = new DockerRuntime(testDockerEndpoint());
  await runtime.start();
  const h: Harness = await startHarness({ BERTH_DB_IMAGE_POSTGRES: IMAGE });
  let databaseId: string | undefined;
  try {
    const project = await h.api<{ id: string }>('POST', '/projects', { name: 'bench-db' });
    const createdAt = Date.now();
    const created = await h.api<{ id: string }>('POST', `/projects/${project.body.id}/databases`, {
      name: 'db',
      engine: 'postgres',
    });
    databaseId = created.body.id;
    const db = await waitFor(
      async () => (await h.api<{ status: string; lastError: string | null }>('GET', `/databases/${databaseId}`)).body,
      (d) => d.status !== 'creating',
    );
    if (db.status !== 'running') throw new Error(`database failed: ${db.lastError}`);
    const healthyMs = Date.now() - createdAt;

    const password = (await h.api<{ variables: Record<string, string> }>('GET', `/databases/${databaseId}/credentials`))
      .body.variables.PGPASSWORD!;
    const [container] = await runtime.listContainers({ 'berth.service': databaseId, 'berth.role': 'database' });
    const exec = (argv: string[]) => docker(['exec', '-e', `PGPASSWORD=${password}`, container!.id, ...argv]);
    const psql = (sql: string) => exec(['psql', '-h', '127.0.0.1', '-U', 'app', '-d', 'app', '-At', '-c', sql]);
    const fillStarted = Date.now();
    await psql(
      `create table big(id int primary key, a text, b text); insert into big select g, md5(g::text), md5((g * 7)::text) from generate_series(1, ${ROWS}) g`,
    );
    const fillMs = Date.now() - fillStarted;
    const sizeMb = Number(await psql("select pg_database_size('app')")) / 1024 / 1024;

    const berth: Array<{ dump: number; verify: number; restore: number; sizeMb: number }> = [];
    const plain: Array<{ dump: number; restore: number; sizeMb: number }> = [];
    for (let i = 0; i < RUNS; i++) {
      // Berth: backup (dump + verify), then restore of that backup into the same database.
      const started = await h.api<{ id: string }>('POST', `/databases/${databaseId}/backups`);
      const backup = await waitFor(
        async () =>
          (
            await h.api<{ status: string; error: string | null; dumpMs: number; verifyMs: number; sizeBytes: number }>(
              'GET',
              `/backups/${started.body.id}`,
            )
          ).body,
        (b) => b.status !== 'running',
      );
      if (backup.status !== 'verified') throw new Error(`backup failed: ${backup.error}`);
      const restored = await h.api<{ durationMs: number }>('POST', `/backups/${started.body.id}/restore`, {
        confirm: 'db',
      });
      if (restored.status !== 200) throw new Error(`restore failed: ${JSON.stringify(restored.body)}`);
      berth.push({
        dump: backup.dumpMs,
        verify: backup.verifyMs,
        restore: restored.body.durationMs,
        sizeMb: backup.sizeBytes / 1024 / 1024,
      });

      // Baseline: the same tools by hand, file inside the container (no gzip, no checksum, no verification).
      let t = Date.now();
      await exec(['pg_dump', '-h', '127.0.0.1', '-U', 'app', '-Fc', '-d', 'app', '-f', '/tmp/bench.dump']);
      const dump = Date.now() - t;
      const size = Number(await exec(['stat', '-c', '%s', '/tmp/bench.dump'])) / 1024 / 1024;
      t = Date.now();
      await exec([
        'pg_restore',
        '-h',
        '127.0.0.1',
        '-U',
        'app',
        '-d',
        'app',
        '--clean',
        '--if-exists',
        '--no-owner',
        '--single-transaction',
        '/tmp/bench.dump',
      ]);
      plain.push({ dump, restore: Date.now() - t, sizeMb: size });
      await exec(['rm', '-f', '/tmp/bench.dump']);
    }
    const rows = Number(await psql('select count(*) from big'));
    if (rows !== ROWS) throw new Error(`after the restores the table has ${rows} rows, not ${ROWS}`);

    const m = (xs: number[]) => formatMs(median(xs));
    console.log(
      `\nManaged Postgres (${IMAGE}), database ${sizeMb.toFixed(0)} MB (${ROWS.toLocaleString('en')} rows, filled in ${formatMs(fillMs)} ms), median of ${RUNS} runs, load average ${loadavg()[0]!.toFixed(2)} on a shared host\n`,
    );
    console.log(
      markdownTable(
        ['step', 'Berth (ms)', 'docker exec by hand (ms)'],
        [
          ['create → healthy', formatMs(healthyMs), '–'],
          ['backup: dump (+gzip, sha256 for Berth)', m(berth.map((r) => r.dump)), m(plain.map((r) => r.dump))],
          [
            'backup: verify (throwaway container, restore, count rows)',
            m(berth.map((r) => r.verify)),
            '– (not done by hand)',
          ],
          ['restore into the live database', m(berth.map((r) => r.restore)), m(plain.map((r) => r.restore))],
          [
            'stored size (MB)',
            median(berth.map((r) => r.sizeMb)).toFixed(1),
            `${median(plain.map((r) => r.sizeMb)).toFixed(1)} (-Fc, no gzip)`,
          ],
        ],
      ),
    );
  } finally {
    await h.close();
    if (databaseId) await runtime.removeVolume(`berth-${databaseId}-data`).catch(() => {});
    await runtime.stop();
  }
}

await main();
