/**
 * Alerts from real events in a real daemon (real git server, builds, containers, proxy): a failed deploy,
 * a crash-looping container (an app that exits at every start) and an expiring certificate (a short-lived
 * certificate written where the TLS feature keeps it, and certificate orders that fail) each fire once to
 * a signed webhook and to a mailbox on a real SMTP server, and resolve when the condition clears. The
 * panel's Notifications page manages channels (add, disable, test, delete) and rules.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyWebhook } from '../../src/alerts/webhook-signature.js';
import {
  startHttpReceiver,
  startSmtpReceiver,
  type HttpReceiver,
  type SmtpReceiver,
} from '../helpers/alert-receivers.js';
import { freePort } from '../helpers/daemon-process.js';
import { TEST_IMAGES } from '../helpers/docker-test-env.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { csrfTokenOf, InjectClient } from '../helpers/inject-client.js';
import { get } from '../helpers/load.js';

const SECRET = 'alerts-daemon-test-secret';
const HOSTNAME = 'alerty.example.com';

interface HookMessage {
  event: string;
  alert: { rule: string; title: string; detail: string; status: string } | null;
}

describe('alerts from real events', () => {
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;
  let hook: HttpReceiver;
  let smtp: SmtpReceiver;
  let panel: InjectClient;
  let projectId: string;
  let serviceId: string;
  const scratch = mkdtempSync(join(tmpdir(), 'berth-alert-certs-'));

  /** Every signed message the webhook received (each signature checked as a receiver would). */
  function messages(): HookMessage[] {
    return hook.requests.map((r) => {
      const signature = {
        timestamp: r.headers['x-berth-timestamp'] as string,
        signature: r.headers['x-berth-signature'] as string,
      };
      assert.ok(verifyWebhook(SECRET, signature, r.body), `a valid signature on ${r.body}`);
      return JSON.parse(r.body) as HookMessage;
    });
  }

  async function waitForMessage(rule: string, event: 'firing' | 'resolved', timeoutMs = 60_000): Promise<HookMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = messages().find((m) => m.alert?.rule === rule && m.event === event);
      if (found) return found;
      assert.ok(
        Date.now() < deadline,
        `no ${event} ${rule} message; got ${JSON.stringify(messages().map((m) => [m.event, m.alert?.rule]))}`,
      );
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const count = (rule: string, event: string) =>
    messages().filter((m) => m.alert?.rule === rule && m.event === event).length;

  async function deploy(): Promise<Record<string, unknown>> {
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return h.waitForDeployment(created.body.id);
  }

  /** A certificate for HOSTNAME valid `days` days, written where the TLS feature keeps it (data/certs/<name>/). */
  function writeCertificate(days: number) {
    const key = join(scratch, 'key.pem');
    const cert = join(scratch, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        String(days),
        '-subj',
        `/CN=${HOSTNAME}`,
      ],
      { stdio: 'ignore' },
    );
    const dir = join(h.dataDir, 'certs', HOSTNAME);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'key.pem'), readFileSync(key), { mode: 0o600 });
    writeFileSync(join(dir, 'cert.pem'), readFileSync(cert), { mode: 0o600 });
  }

  before(async () => {
    hook = await startHttpReceiver();
    smtp = await startSmtpReceiver();
    git = await startGitServer();
    repo = await git.createRepo('alerty-app', fixtureFiles('exposed-port'));
    // Certificate orders go to a loopback port where nothing listens: every order fails, nothing leaves the machine.
    h = await startHarness(
      { BERTH_ALERT_CHECK_SECONDS: '1', BERTH_ACME_DIRECTORY: `http://127.0.0.1:${await freePort()}/directory` },
      { alertRetryBaseMs: 200 },
    );
    panel = new InjectClient(h.daemon.app);
    const login = await panel.postForm('/login', { _csrf: await panel.csrfFrom('/login'), ...h.admin });
    assert.equal(login.statusCode, 303);
  });
  after(async () => {
    await h?.close();
    await git?.close();
    await hook?.close();
    await smtp?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('creates a server webhook and a project mail channel over the API, never returning their secrets', async () => {
    const project = await h.api<{ id: string }>('POST', '/projects', { name: 'alerty' });
    projectId = project.body.id;
    const webhook = await h.api<{ channel: { id: string; hasSecret: boolean } }>('POST', '/notification-channels', {
      name: 'ops',
      kind: 'webhook',
      url: hook.url,
      secret: SECRET,
    });
    assert.equal(webhook.status, 201, JSON.stringify(webhook.body));
    assert.equal(webhook.body.channel.hasSecret, true);
    const mail = await h.api('POST', '/notification-channels', {
      name: 'alerty mail',
      kind: 'email',
      projectId,
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      username: 'berth',
      secret: 'mail-password-42',
      from: 'berth@example.com',
      to: ['dev@example.com'],
    });
    assert.equal(mail.status, 201, JSON.stringify(mail.body));
    const listed = await h.api('GET', '/notification-channels');
    assert.ok(
      !JSON.stringify(listed.body).includes(SECRET) && !JSON.stringify(listed.body).includes('mail-password-42'),
    );
    // Private destinations are allowed here (BERTH_ALLOW_PRIVATE_SOURCES); the metadata address never is.
    const metadata = await h.api('POST', '/notification-channels', {
      name: 'x',
      kind: 'slack',
      url: 'http://169.254.169.254/x',
    });
    assert.equal(metadata.status, 422);
  });

  it('alerts once when a deploy fails, mails the project channel, and resolves when a deploy goes live', async () => {
    const created = await h.api<{ id: string }>('POST', `/projects/${projectId}/services`, {
      name: 'web',
      source: { type: 'git', url: repo.url, branch: 'main' },
      build: { buildArgs: { BASE_IMAGE: TEST_IMAGES.node } },
      port: 3000,
      healthcheck: { type: 'http', path: '/', expectedStatus: 200, timeoutSeconds: 5 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    serviceId = created.body.id;
    assert.equal((await deploy()).status, 'failed');

    const firing = await waitForMessage('deploy_failed', 'firing');
    assert.equal(firing.alert?.title, 'Deploy of alerty/web failed');
    assert.match(String(firing.alert?.detail), /connection refused on 3000/);
    const [mail] = await smtp.waitFor(1, 30_000);
    assert.match(mail!.raw, /Subject: \[Alert\] Deploy of alerty\/web failed/);
    assert.deepEqual(mail!.to, ['dev@example.com']);
    assert.equal(mail!.password, 'mail-password-42');
    await new Promise((r) => setTimeout(r, 2500)); // two more evaluations
    assert.equal(count('deploy_failed', 'firing'), 1, 'the same failure is not announced again');

    assert.equal((await h.api('PATCH', `/services/${serviceId}`, { port: 8080 })).status, 200);
    assert.equal((await deploy()).status, 'active');
    await waitForMessage('deploy_failed', 'resolved');
    const open = await h.api<Array<{ rule: string }>>('GET', '/alerts?status=open');
    assert.ok(!open.body.some((a) => a.rule === 'deploy_failed'), JSON.stringify(open.body));
  });

  it('alerts when a live app fails its configured health check twice in a row, and resolves when it passes', async () => {
    const failing = { type: 'http', path: '/', expectedStatus: 204, timeoutSeconds: 5 };
    assert.equal((await h.api('PATCH', `/services/${serviceId}`, { healthcheck: failing })).status, 200);
    const firing = await waitForMessage('health_failing', 'firing');
    assert.equal(firing.alert?.title, 'alerty/web fails its health check');
    assert.match(String(firing.alert?.detail), /GET \/ answered 200, expected 204/);
    const passing = { type: 'http', path: '/', expectedStatus: 200, timeoutSeconds: 5 };
    assert.equal((await h.api('PATCH', `/services/${serviceId}`, { healthcheck: passing })).status, 200);
    await waitForMessage('health_failing', 'resolved');
  });

  it('alerts when a container crash-loops and resolves when a deploy runs again', async () => {
    assert.equal((await get(h.proxyPort, 'web-alerty.localhost', '/crash')).body, 'crashing');
    const firing = await waitForMessage('crash_loop', 'firing');
    assert.equal(firing.alert?.title, 'alerty/web is crash-looping');
    assert.match(String(firing.alert?.detail), /restarted \d+ times/);
    assert.equal((await deploy()).status, 'active');
    await waitForMessage('crash_loop', 'resolved');
  });

  it('alerts on a certificate expiring within 14 days and on failing orders, and resolves when a fresh one is in place', async () => {
    const added = await h.api('POST', `/services/${serviceId}/domains`, { hostname: HOSTNAME });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    writeCertificate(5);
    const expiring = await waitForMessage('certificate_expiring', 'firing');
    assert.match(String(expiring.alert?.detail), /\(4 days left|\(5 days left/);
    const renewal = await waitForMessage('certificate_renewal_failed', 'firing');
    assert.match(
      String(renewal.alert?.title),
      new RegExp(`Ordering a certificate for .*${HOSTNAME.replace(/\./g, '\\.')}`),
    );
    writeCertificate(90);
    await waitForMessage('certificate_expiring', 'resolved');
  });

  it('manages channels and rules from the Notifications page, with a test button and the history', async () => {
    const page = await panel.get('/notifications');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /ops/);
    assert.match(page.body, /Deploy of alerty\/web failed/, 'the history lists what was sent');
    let csrf = csrfTokenOf(page.body);
    const added = await panel.postForm('/notifications/channels', {
      _csrf: csrf,
      name: 'panel hook',
      kind: 'slack',
      url: `${hook.url}/panel`,
    });
    assert.equal(added.statusCode, 200, added.body);
    const channels = await h.api<Array<{ id: string; name: string; enabled: boolean }>>(
      'GET',
      '/notification-channels',
    );
    const channel = channels.body.find((c) => c.name === 'panel hook')!;
    csrf = csrfTokenOf(added.body);
    const tested = await panel.postForm(`/notifications/channels/${channel.id}/test`, { _csrf: csrf });
    assert.match(tested.body, /Test message delivered/);
    assert.ok(hook.requests.some((r) => r.path === '/hook/panel'));
    const disabled = await panel.postForm(`/notifications/channels/${channel.id}/enabled`, {
      _csrf: csrf,
      enabled: 'false',
    });
    assert.match(disabled.body, /disabled/);
    assert.equal(
      (await h.api<{ enabled: boolean }>('GET', `/notification-channels/${channel.id}`)).body.enabled,
      false,
    );
    const rule = await panel.postForm('/notifications/rules/disk_usage', {
      _csrf: csrf,
      enabled: 'on',
      threshold: '150',
    });
    assert.equal(rule.statusCode, 422);
    assert.match(rule.body, /percentage/);
    const deleted = await panel.postForm(`/notifications/channels/${channel.id}/delete`, { _csrf: csrf });
    assert.match(deleted.body, /deleted/);
    assert.equal((await h.api('GET', `/notification-channels/${channel.id}`)).status, 404);
  });
});
