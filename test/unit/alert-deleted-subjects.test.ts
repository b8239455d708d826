/**
 * Alerts of a deleted service or database: once the subject is gone its open alerts resolve (with a
 * "resolved" message to its channels) on the next evaluation, even when the rule that opened them cannot
 * look right now (the container engine is away), and no rule fires for it again. Real SQLite.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { evaluateRules } from '../../src/alerts/alert-engine.js';
import { openAlert } from '../../src/alerts/alerts.repository.js';
import type { MetricsReader } from '../../src/alerts/metrics-port.js';
import { containerRules } from '../../src/alerts/rules/container-rules.js';
import type { RuleContext } from '../../src/alerts/rules/rule-context.js';
import { openDatabase, type DbHandle } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';

const silent = { warn: () => {} };

describe('alerts of deleted services and databases', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-alert-deleted-'));
  let handle: DbHandle;
  let ctx: RuleContext;
  // Every service burns CPU as far as this reader knows: a rule that still looked at a deleted service would fire.
  const metrics: MetricsReader = {
    minCpuPercent: async () => 99,
    minMemoryPercent: async () => null,
    httpStatusCounts: async () => null,
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
        { id: 'svc_api', project_id: 'prj_a', environment_id: 'env_a', name: 'api', kind: 'app', source: '{}' },
      ])
      .execute();
    await db
      .insertInto('notification_channels')
      .values({ id: 'chn_a', name: 'ops', kind: 'webhook', project_id: null, settings: '{}' })
      .execute();
    await db
      .updateTable('alert_rules')
      .set({ threshold: 50, window_seconds: 60 })
      .where('kind', '=', 'cpu_high')
      .execute();
    ctx = {
      db,
      // The engine is away: the container rules cannot look, so they cannot resolve anything themselves.
      runtime: {
        state: () => ({ available: false }) as never,
        listContainers: async () => [],
        inspectContainer: async () => undefined,
      },
      dataDir: dir,
      certsDir: join(dir, 'certs'),
      panelDomain: undefined,
      metrics,
      statfs: async () => ({ blocks: 1000, bfree: 900, bavail: 900 }),
      now: () => Date.now(),
    };
  });
  after(async () => {
    await handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves open alerts of a deleted subject and fires nothing for it again', async () => {
    const db = handle.db;
    const containers = containerRules();
    // As left by earlier evaluations while the engine was up: a crash loop of web, an OOM kill of pg.
    const crash = await openAlert(db, 'crash_loop', {
      subject: 'service:svc_web',
      projectId: 'prj_a',
      title: 'shop/web is crash-looping',
      detail: 'restarted 5 times',
    });
    const oom = await openAlert(db, 'oom_killed', {
      subject: 'service:svc_pg',
      projectId: 'prj_a',
      title: 'shop/pg ran out of memory',
      detail: 'killed',
    });
    const first = await evaluateRules(ctx, containers, silent);
    const cpuSubjects = first.opened.filter((a) => a.rule === 'cpu_high').map((a) => a.subject);
    assert.deepEqual(cpuSubjects.sort(), ['service:svc_api', 'service:svc_pg', 'service:svc_web']);

    await db.deleteFrom('services').where('id', 'in', ['svc_web', 'svc_pg']).execute();
    const second = await evaluateRules(ctx, containers, silent);

    assert.deepEqual(second.opened, [], 'nothing fires for a deleted service');
    const resolved = second.resolved.map((a) => `${a.rule} ${a.subject}`).sort();
    assert.deepEqual(resolved, [
      'cpu_high service:svc_pg',
      'cpu_high service:svc_web',
      'crash_loop service:svc_web',
      'oom_killed service:svc_pg',
    ]);
    const stillOpen = await db.selectFrom('alerts').select(['rule', 'subject']).where('status', '=', 'open').execute();
    assert.deepEqual(
      stillOpen,
      [{ rule: 'cpu_high', subject: 'service:svc_api' }],
      'the living service keeps its alert',
    );
    // Each resolved alert told its channel so.
    const messages = await db
      .selectFrom('notification_deliveries')
      .select(['alert_id', 'event'])
      .where('event', '=', 'resolved')
      .execute();
    assert.ok(messages.some((m) => m.alert_id === crash!.id));
    assert.ok(messages.some((m) => m.alert_id === oom!.id));
    assert.equal(messages.length, 4);

    const third = await evaluateRules(ctx, containers, silent);
    assert.deepEqual([third.opened, third.resolved], [[], []], 'a later evaluation changes nothing');
  });
});
