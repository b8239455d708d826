/**
 * Alert rules over numbers and records, with their inputs set by the test: the data dir's disk (a given
 * statfs answer), CPU, memory and 5xx through an in-test MetricsReader, failed and missing backups and
 * failed deploys in a real SQLite database; and channel input validation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlertRule, RuleKind } from '../../src/alerts/alert.types.js';
import { validateChannel } from '../../src/alerts/channel-input.js';
import type { MetricsReader } from '../../src/alerts/metrics-port.js';
import { backupFailed, backupMissing, deployFailed } from '../../src/alerts/rules/record-rules.js';
import { cpuHigh, diskUsage, http5xxRate, memoryHigh } from '../../src/alerts/rules/resource-rules.js';
import type { RuleContext } from '../../src/alerts/rules/rule-context.js';
import { openDatabase, type DbHandle } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { isAppError } from '../../src/errors.js';

const rule = (kind: RuleKind, threshold: number | null, windowSeconds: number | null = null): AlertRule => ({
  kind,
  enabled: true,
  threshold,
  windowSeconds,
});

describe('alert rules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-alert-unit-'));
  let handle: DbHandle;
  let ctx: RuleContext;
  let disk = { blocks: 1000, bfree: 100, bavail: 50 };
  const numbers = {
    cpu: null as number | null,
    memory: null as number | null,
    http: null as { total: number; errors5xx: number } | null,
  };
  const asked: Array<[string, string, number]> = [];
  const metrics: MetricsReader = {
    minCpuPercent: async (id, windowMs) => (asked.push(['cpu', id, windowMs]), numbers.cpu),
    minMemoryPercent: async (id, windowMs) => (asked.push(['memory', id, windowMs]), numbers.memory),
    httpStatusCounts: async (id, windowMs) => (asked.push(['http', id, windowMs]), numbers.http),
  };

  before(async () => {
    handle = openDatabase(join(dir, 'berth.db'));
    await migrateToLatest(handle.db);
    const db = handle.db;
    await db.insertInto('projects').values({ id: 'prj_a', name: 'shop' }).execute();
    await db.insertInto('environments').values({ id: 'env_a', project_id: 'prj_a', name: 'production' }).execute();
    await db
      .insertInto('services')
      .values([
        { id: 'svc_web', project_id: 'prj_a', environment_id: 'env_a', name: 'web', kind: 'app', source: '{}' },
        { id: 'svc_pg', project_id: 'prj_a', environment_id: 'env_a', name: 'pg', kind: 'database', source: '{}' },
      ])
      .execute();
    ctx = {
      db,
      runtime: {
        state: () => ({ available: false }) as never,
        listContainers: async () => [],
        inspectContainer: async () => undefined,
      },
      dataDir: dir,
      certsDir: join(dir, 'certs'),
      panelDomain: undefined,
      metrics,
      statfs: async () => disk,
      now: () => Date.now(),
    };
  });
  after(async () => {
    await handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('alerts on the disk above its threshold, counted like df', async () => {
    // used 900 of (900 + 50 available): 94.7 %
    const [finding] = await diskUsage(ctx, rule('disk_usage', 90));
    assert.equal(finding?.subject, 'server:disk');
    assert.equal(finding?.projectId, null);
    assert.match(finding!.title, /95 % full/);
    assert.deepEqual(await diskUsage(ctx, rule('disk_usage', 95)), []);
    disk = { blocks: 1000, bfree: 600, bavail: 550 };
    assert.deepEqual(await diskUsage(ctx, rule('disk_usage', 90)), []);
  });

  it('asks the metrics port over the rule window and fires only on sustained CPU/memory above the threshold', async () => {
    numbers.cpu = 91;
    const [cpu] = await cpuHigh(ctx, rule('cpu_high', 90, 300));
    assert.equal(cpu?.subject, 'service:svc_web');
    assert.match(cpu!.title, /shop\/web uses much CPU/);
    assert.ok(asked.some(([what, id, windowMs]) => what === 'cpu' && id === 'svc_web' && windowMs === 300_000));
    numbers.cpu = 89;
    assert.deepEqual(await cpuHigh(ctx, rule('cpu_high', 90, 300)), []);
    numbers.memory = null; // too little data: never an alert
    assert.deepEqual(await memoryHigh(ctx, rule('memory_high', 90, 300)), []);
    numbers.memory = 99;
    assert.equal((await memoryHigh(ctx, rule('memory_high', 90, 300))).length, 2, 'the app and the database');
  });

  it('fires on a 5xx share above the threshold, but not on a handful of requests', async () => {
    numbers.http = { total: 10, errors5xx: 10 };
    assert.deepEqual(await http5xxRate(ctx, rule('http_5xx_rate', 5, 300)), []);
    numbers.http = { total: 200, errors5xx: 30 };
    const findings = await http5xxRate(ctx, rule('http_5xx_rate', 5, 300));
    assert.match(findings[0]!.detail, /30 of 200 requests \(15\.0 %\)/);
    assert.deepEqual(await http5xxRate(ctx, rule('http_5xx_rate', 20, 300)), []);
  });

  it('finds a service whose last deployment failed, until a later one goes live', async () => {
    const db = handle.db;
    const deployment = (id: string, status: string, at: string, error: string | null = null) =>
      db
        .insertInto('deployments')
        .values({ id, service_id: 'svc_web', status, trigger: 'manual', error, created_at: at })
        .execute();
    await deployment('dep_1', 'active', '2026-01-01T00:00:00.000Z');
    await deployment('dep_2', 'failed', '2026-01-02T00:00:00.000Z', 'build failed: exit 1\nmore');
    await deployment('dep_3', 'cancelled', '2026-01-03T00:00:00.000Z');
    const [finding] = await deployFailed(ctx, rule('deploy_failed', null));
    assert.equal(finding?.detail, 'Deployment dep_2 failed: build failed: exit 1');
    await deployment('dep_4', 'active', '2026-01-04T00:00:00.000Z');
    assert.deepEqual(await deployFailed(ctx, rule('deploy_failed', null)), []);
  });

  it('finds failed and missing backups of a scheduled database', async () => {
    const db = handle.db;
    await db
      .insertInto('databases')
      .values({
        service_id: 'svc_pg',
        engine: 'postgres',
        image: 'postgres:15',
        credentials_encrypted: 'x',
        status: 'running',
        container_id: null,
        volume_name: 'v',
        memory_mb: null,
        cpus: null,
        public_host: null,
        public_port: null,
        backup_schedule: '0 3 * * *',
        last_error: null,
        created_at: '2026-01-01T00:00:00.000Z',
      })
      .execute();
    const missing = await backupMissing(ctx, rule('backup_missing', 48));
    assert.match(missing[0]!.detail, /no verified backup in 48 h/);
    const backup = (id: string, status: 'verified' | 'failed', at: string) =>
      db
        .insertInto('backups')
        .values({
          id,
          database_id: 'svc_pg',
          status,
          trigger: 'schedule',
          error: status === 'failed' ? 'pg_dump: connection refused' : null,
          started_at: at,
          finished_at: at,
        })
        .execute();
    await backup('bak_1', 'failed', new Date(Date.now() - 60_000).toISOString());
    const [failed] = await backupFailed(ctx, rule('backup_failed', null));
    assert.equal(failed?.subject, 'database:svc_pg');
    assert.match(failed!.detail, /pg_dump: connection refused/);
    await backup('bak_2', 'verified', new Date().toISOString());
    assert.deepEqual(await backupFailed(ctx, rule('backup_failed', null)), []);
    assert.deepEqual(await backupMissing(ctx, rule('backup_missing', 48)), []);
  });

  it('refuses channel input that is not on the allow-lists', () => {
    const refused = (input: Parameters<typeof validateChannel>[0], field: string) =>
      assert.throws(
        () => validateChannel(input),
        (e) => isAppError(e) && e.code === 'VALIDATION_FAILED' && e.details?.[field] !== undefined,
      );
    refused({ name: 'x', kind: 'webhook', url: 'ftp://example.com/hook' }, 'url');
    refused({ name: 'x', kind: 'slack', url: 'https://user:pw@hooks.example.com/x' }, 'url');
    refused({ name: 'x', kind: 'webhook', url: 'https://example.com/', secret: 'short' }, 'secret');
    refused({ name: 'x', kind: 'pager', url: 'https://example.com/' }, 'kind');
    refused({ name: 'x', kind: 'email', host: 'mail.example.com', from: 'a@example.com', to: 'not-an-address' }, 'to');
    refused({ name: 'x', kind: 'email', host: 'bad host', from: 'a@example.com', to: 'b@example.com' }, 'host');
    const ok = validateChannel({
      name: 'Ops mail',
      kind: 'email',
      host: 'mail.example.com',
      from: 'a@example.com',
      to: 'b@example.com, c@example.com',
    });
    assert.deepEqual(ok.settings, {
      host: 'mail.example.com',
      port: 587,
      security: 'starttls',
      username: null,
      from: 'a@example.com',
      to: ['b@example.com', 'c@example.com'],
    });
  });
});
