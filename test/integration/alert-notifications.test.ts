/**
 * Alert notifications over real loopback receivers and a real SQLite database: the signed webhook
 * (checked by a receiver with the documented verification), Slack and Discord shapes, mail through a real
 * SMTP server, secrets encrypted at rest and never returned, destinations refused before any connection
 * without BERTH_ALLOW_PRIVATE_SOURCES (and the metadata address always), retries with back-off, per-channel
 * rate limits, routing per project, de-duplication and the resolved message.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AlertsFeature } from '../../src/alerts/alerts-feature.js';
import type { MetricsReader } from '../../src/alerts/metrics-port.js';
import { verifyWebhook } from '../../src/alerts/webhook-signature.js';
import { openDatabase, type DbHandle } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { isAppError } from '../../src/errors.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { createLogger } from '../../src/logger.js';
import {
  startHttpReceiver,
  startSmtpReceiver,
  type HttpReceiver,
  type SmtpReceiver,
} from '../helpers/alert-receivers.js';

/** CPU numbers the test sets per service; the other numbers are unknown (null). */
class TestMetrics implements MetricsReader {
  cpu = new Map<string, number>();
  async minCpuPercent(serviceId: string) {
    return this.cpu.get(serviceId) ?? null;
  }
  async minMemoryPercent() {
    return null;
  }
  async httpStatusCounts() {
    return null;
  }
}

const noEngine = {
  state: () => ({ available: false }) as never,
  listContainers: async () => [],
  inspectContainer: async () => undefined,
};

describe('alert notifications', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-alerts-'));
  let handle: DbHandle;
  let hook: HttpReceiver;
  let smtp: SmtpReceiver;
  const metrics = new TestMetrics();
  const logger = createLogger('silent');
  let alerts: AlertsFeature;
  let strict: AlertsFeature;

  const secretBox = new SecretBox(randomBytes(32).toString('base64url'));
  const feature = (allowPrivate: boolean) =>
    new AlertsFeature({
      db: handle.db,
      runtime: noEngine as never,
      secretBox,
      logger,
      dataDir: dir,
      panelDomain: undefined,
      panelUrl: 'http://berth.test',
      allowPrivateDestinations: allowPrivate,
      checkIntervalMs: 3_600_000,
      metrics,
      retryBaseMs: 100,
    });

  async function addProject(name: string) {
    const projectId = `prj_${name}`;
    await handle.db.insertInto('projects').values({ id: projectId, name }).execute();
    await handle.db
      .insertInto('environments')
      .values({ id: `env_${name}`, project_id: projectId, name: 'production' })
      .execute();
    const serviceId = `svc_${name}`;
    await handle.db
      .insertInto('services')
      .values({
        id: serviceId,
        project_id: projectId,
        environment_id: `env_${name}`,
        name: 'web',
        kind: 'app',
        source: '{"type":"image","image":"x/y:1"}',
      })
      .execute();
    return { projectId, serviceId };
  }

  before(async () => {
    handle = openDatabase(join(dir, 'berth.db'));
    await migrateToLatest(handle.db);
    hook = await startHttpReceiver();
    smtp = await startSmtpReceiver();
    alerts = feature(true);
    strict = feature(false);
    // Only the rule under test runs: the others would look at this empty database and find nothing anyway.
    for (const rule of await alerts.rules())
      if (rule.kind !== 'cpu_high') await alerts.updateRule(rule.kind, { enabled: false });
  });
  after(async () => {
    await alerts?.stop();
    await hook?.close();
    await smtp?.close();
    await handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs webhook messages with a secret it shows once and never returns again', async () => {
    const created = await alerts.channels.create({ name: 'ops hook', kind: 'webhook', url: hook.url });
    const secret = created.generatedSecret!;
    assert.ok(secret && secret.length >= 32, 'a generated secret is returned at creation');
    assert.ok(!JSON.stringify(await alerts.channels.list()).includes(secret), 'the list never carries it');
    const stored = await handle.db
      .selectFrom('notification_channels')
      .select('secret_encrypted')
      .executeTakeFirstOrThrow();
    assert.ok(stored.secret_encrypted && !stored.secret_encrypted.includes(secret), 'encrypted at rest');

    const delivery = await alerts.sendTest(created.channel.id);
    assert.equal(delivery.status, 'sent', String(delivery.lastError));
    const [request] = await hook.waitFor(1);
    const headers = {
      timestamp: request!.headers['x-berth-timestamp'] as string,
      signature: request!.headers['x-berth-signature'] as string,
    };
    assert.ok(verifyWebhook(secret, headers, request!.body), 'the receiver verifies the signature');
    assert.equal(verifyWebhook('another-secret-entirely', headers, request!.body), false);
    assert.equal(verifyWebhook(secret, headers, request!.body.replace('test', 'tset')), false, 'a changed body fails');
    const stale = Number(headers.timestamp) + 301;
    assert.equal(verifyWebhook(secret, headers, request!.body, stale), false, 'outside the replay window');
    assert.equal(JSON.parse(request!.body).event, 'test');
    await alerts.channels.remove(created.channel.id);
  });

  it('sends Slack and Discord messages in their JSON shapes', async () => {
    hook.requests.length = 0;
    const slack = await alerts.channels.create({ name: 'slack', kind: 'slack', url: `${hook.url}/slack` });
    const discord = await alerts.channels.create({ name: 'discord', kind: 'discord', url: `${hook.url}/discord` });
    assert.equal((await alerts.sendTest(slack.channel.id)).status, 'sent');
    assert.equal((await alerts.sendTest(discord.channel.id)).status, 'sent');
    const [first, second] = await hook.waitFor(2);
    assert.match(JSON.parse(first!.body).text, /test message from Berth/);
    assert.match(JSON.parse(second!.body).content, /test message from Berth/);
    await alerts.channels.remove(slack.channel.id);
    await alerts.channels.remove(discord.channel.id);
  });

  it('mails through a real SMTP server with the stored (encrypted, never echoed) password', async () => {
    const created = await alerts.channels.create({
      name: 'mail',
      kind: 'email',
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      username: 'berth',
      secret: 'smtp-password-123',
      from: 'berth@example.com',
      to: ['ops@example.com'],
    });
    assert.ok(!JSON.stringify(created).includes('smtp-password-123'));
    assert.equal(created.channel.hasSecret, true);
    const delivery = await alerts.sendTest(created.channel.id);
    assert.equal(delivery.status, 'sent', String(delivery.lastError));
    const [mail] = await smtp.waitFor(1);
    assert.deepEqual(mail!.to, ['ops@example.com']);
    assert.equal(mail!.password, 'smtp-password-123');
    assert.match(mail!.raw, /Subject: Berth: test notification/);
    await alerts.channels.update(created.channel.id, { enabled: false });
  });

  it('refuses loopback and metadata destinations before connecting unless private ones are allowed', async () => {
    const before = hook.connections;
    await assert.rejects(
      strict.channels.create({ name: 'local', kind: 'webhook', url: hook.url }),
      (e) => isAppError(e) && e.code === 'VALIDATION_FAILED' && /loopback/.test(e.message),
    );
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://[fd00:ec2::254]/']) {
      await assert.rejects(
        alerts.channels.create({ name: 'meta', kind: 'slack', url }),
        (e) => isAppError(e) && e.code === 'VALIDATION_FAILED',
      );
    }
    await assert.rejects(
      strict.channels.create({
        name: 'mail',
        kind: 'email',
        host: 'localhost',
        port: smtp.port,
        from: 'a@b.c',
        to: 'd@e.f',
      }),
      (e) => isAppError(e) && e.code === 'VALIDATION_FAILED',
    );
    // Saved while allowed, sent while not: refused at send time, not retried, still no connection.
    const saved = await alerts.channels.create({
      name: 'later',
      kind: 'webhook',
      url: hook.url,
      secret: 'a-secret-of-16-chars',
    });
    const delivery = await strict.sendTest(saved.channel.id);
    assert.equal(delivery.status, 'failed');
    assert.match(String(delivery.lastError), /loopback/);
    assert.equal(hook.connections, before, 'no connection was made');
    await alerts.channels.remove(saved.channel.id);
  });

  it('routes per project, opens one alert per rule and subject, resolves it, and retries failed sends with back-off', async () => {
    const shop = await addProject('shop');
    const blog = await addProject('blog');
    const server = await alerts.channels.create({
      name: 'everything',
      kind: 'webhook',
      url: `${hook.url}/server`,
      secret: 'server-secret-0123456',
    });
    const shopHook = await alerts.channels.create({
      name: 'shop',
      kind: 'slack',
      url: `${hook.url}/shop`,
      projectId: shop.projectId,
    });
    const blogHook = await alerts.channels.create({
      name: 'blog',
      kind: 'slack',
      url: `${hook.url}/blog`,
      projectId: blog.projectId,
    });
    hook.requests.length = 0;
    hook.answers.push(500); // the first send fails; the retry (after 100 ms) goes through

    metrics.cpu.set(shop.serviceId, 97);
    const first = await alerts.evaluateNow();
    assert.equal(first.opened.length, 1);
    assert.equal((await alerts.evaluateNow()).opened.length, 0, 'the same condition opens no second alert');
    assert.equal((await alerts.alerts('open')).length, 1);

    const deadline = Date.now() + 10_000;
    while ((await alerts.history()).some((d) => d.status === 'pending')) {
      assert.ok(Date.now() < deadline, 'deliveries still pending');
      await new Promise((r) => setTimeout(r, 100));
      await alerts.dispatcher.runDue();
    }
    const history = await alerts.history();
    const to = (channelId: string) => history.filter((d) => d.channelId === channelId);
    assert.equal(to(blogHook.channel.id).length, 0, "another project's channel gets nothing");
    assert.equal(to(shopHook.channel.id).length, 1);
    assert.equal(to(server.channel.id).length, 1);
    const retried = history.find((d) => d.attempts === 2);
    assert.ok(retried, JSON.stringify(history));
    assert.equal(retried.status, 'sent');
    assert.match(String(retried.lastError ?? ''), /^$/);
    const paths = hook.requests.map((r) => r.path).sort();
    assert.deepEqual(
      paths.filter((p) => p.endsWith('/shop') || p.endsWith('/server')).length,
      3,
      'one failed + two delivered',
    );
    assert.match(
      JSON.parse(hook.requests.find((r) => r.path.endsWith('/shop'))!.body).text,
      /\[Alert\] shop\/web uses much CPU/,
    );

    metrics.cpu.set(shop.serviceId, 10);
    const cleared = await alerts.evaluateNow();
    assert.equal(cleared.resolved.length, 1);
    const resolved = hook.requests.filter((r) => /Resolved|"resolved"/.test(r.body));
    assert.equal(resolved.length, 2, 'the server and the project channel hear it is resolved');
    await alerts.channels.remove(blogHook.channel.id);
    await alerts.channels.remove(shopHook.channel.id);
    await alerts.channels.remove(server.channel.id);
  });

  it('checks a changed destination again, but disables a channel whose host no longer resolves', async () => {
    let answer: string[] | Error = ['127.0.0.1'];
    const resolving = new AlertsFeature({
      db: handle.db,
      runtime: noEngine as never,
      secretBox,
      logger,
      dataDir: dir,
      panelDomain: undefined,
      panelUrl: 'http://berth.test',
      allowPrivateDestinations: true,
      checkIntervalMs: 3_600_000,
      resolver: async () => {
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    const created = await resolving.channels.create({
      name: 'named',
      kind: 'slack',
      url: `http://hooks.example.test:${hook.port}/named`,
    });
    assert.equal((await resolving.sendTest(created.channel.id)).status, 'sent', 'sent to the checked address');
    answer = new Error('SERVFAIL');
    const disabled = await resolving.channels.update(created.channel.id, { enabled: false });
    assert.equal(disabled.enabled, false);
    answer = ['169.254.169.254'];
    await assert.rejects(
      resolving.channels.update(created.channel.id, { url: `http://other.example.test/x` }),
      (e) => isAppError(e) && e.code === 'VALIDATION_FAILED',
    );
    const sent = await resolving.sendTest(created.channel.id);
    assert.equal(sent.status, 'failed', 'the address is checked again at send time');
    assert.match(String(sent.lastError), /link-local|metadata/);
    await resolving.channels.remove(created.channel.id);
  });

  it('holds a channel to its hourly rate limit and records what it did not send', async () => {
    const { serviceId } = await addProject('busy');
    const limited = await alerts.channels.create({
      name: 'limited',
      kind: 'slack',
      url: `${hook.url}/limited`,
      rateLimitPerHour: 2,
    });
    for (let i = 0; i < 3; i++) {
      metrics.cpu.set(serviceId, 99);
      await alerts.evaluateNow();
      metrics.cpu.set(serviceId, 1);
      await alerts.evaluateNow();
    }
    const statuses = (await alerts.history(limited.channel.id)).map((d) => d.status).reverse();
    assert.deepEqual(statuses, ['sent', 'sent', 'rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
    const row = (await alerts.history(limited.channel.id))[0]!;
    assert.match(String(row.lastError), /limit of 2 messages per hour/);
    assert.equal(hook.requests.filter((r) => r.path.endsWith('/limited')).length, 2);
  });
});
