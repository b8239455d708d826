/**
 * The web terminal against the real engine: a seeded team (alpha with a developer and a viewer, beta with
 * another owner), each service given an active deployment whose container is a real busybox container.
 * A developer opens the WebSocket from the panel's own origin, runs `echo hello; id -u`, resizes (stty
 * sees it), and closing the socket ends the shell, even with a command in the foreground. Refusals (a
 * viewer, another project's service, a container that is Berth's own, another origin) run nothing: the
 * refused command would create a marker file, and each container is looked into afterwards.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LABELS } from '../../src/workloads/labels.js';
import { testLabels } from '../helpers/docker-test-env.js';
import { startActiveDeployment } from '../helpers/active-deployment.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import type { InjectClient } from '../helpers/inject-client.js';
import { seedTeam, signIn, type Team } from '../helpers/team-fixture.js';

interface Ws {
  on(event: 'open', listener: () => void): void;
  on(event: 'unexpected-response', listener: (req: unknown, res: { statusCode?: number }) => void): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  send(data: Buffer | string): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (
  url: string,
  options: { headers: Record<string, string> },
) => Ws;

interface Opened {
  socket: Ws;
  output(): string;
  notes: Array<Record<string, unknown>>;
  closed: Promise<number>;
}

function open(url: string, headers: Record<string, string>): Promise<Opened | { status: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const chunks: Buffer[] = [];
    const notes: Array<Record<string, unknown>> = [];
    let onClose: (code: number) => void = () => {};
    const closed = new Promise<number>((r) => (onClose = r));
    socket.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    socket.on('message', (data, isBinary) => {
      if (isBinary) chunks.push(data);
      else notes.push(JSON.parse(String(data)) as Record<string, unknown>);
    });
    socket.on('close', (code) => onClose(code));
    socket.on('open', () => resolve({ socket, notes, closed, output: () => Buffer.concat(chunks).toString('utf8') }));
    socket.on('error', (error) => reject(error));
  });
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An active deployment of the service, with one running busybox container carrying `labels`. */
async function runService(
  t: TestApp,
  deployments: string[],
  projectId: string,
  serviceId: string,
  extra: Record<string, string> = {},
) {
  const { deploymentId, containerId } = await startActiveDeployment(t, serviceId, {
    namePrefix: 'term',
    cmd: ['sleep', '3600'],
    labels: { [LABELS.managed]: 'true', [LABELS.project]: projectId, ...extra },
  });
  deployments.push(deploymentId);
  return containerId;
}

describe('the web terminal', () => {
  let t: TestApp;
  let team: Team;
  let base: string;
  let developer: InjectClient;
  let viewer: InjectClient;
  const containers: Record<'alpha' | 'beta' | 'own', string> = { alpha: '', beta: '', own: '' };
  let ownService: string;
  const deployments: string[] = [];

  const processes = async (container: string) => (await t.runtime.exec(container, ['ps', '-o', 'pid,args'])).stdout;
  const exists = async (container: string, path: string) =>
    (await t.runtime.exec(container, ['test', '-e', path])).exitCode === 0;
  const url = (serviceId: string, query = '') => `ws://${base}/services/${serviceId}/terminal/ws${query}`;
  const headersOf = (client: InjectClient, origin = `http://${base}`) => ({ cookie: client.cookieHeader(), origin });

  before(async () => {
    t = await createTestApp();
    team = await seedTeam(t);
    developer = await signIn(t, team.users.developer.email);
    viewer = await signIn(t, team.users.viewer.email);
    containers.alpha = await runService(t, deployments, team.alpha, team.ids.service);
    containers.beta = await runService(t, deployments, team.beta, team.betaService);
    ownService = (await t.ctx.projects.createService(team.alpha, { name: 'own', source: { type: 'push' } })).id;
    // A container with this service's labels that says it is Berth's own daemon: never a target.
    containers.own = await runService(t, deployments, team.alpha, ownService, { [LABELS.role]: 'daemon' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const deploymentId of deployments)
      await t?.runtime.removeContainersByLabel(testLabels({ [LABELS.deployment]: deploymentId }));
    await t?.close();
  });

  it('runs a shell: output, resize, and closing the socket ends it (also with a command in the foreground)', async () => {
    const opened = await open(url(team.ids.service, '?cols=90&rows=30'), headersOf(developer));
    assert.ok('socket' in opened, `opened: ${JSON.stringify(opened)}`);
    await waitFor('the open note', () => opened.notes.some((n) => n.type === 'open'));
    assert.deepEqual(opened.notes[0], {
      type: 'open',
      command: '/bin/sh',
      replica: '1',
      deployment: deployments[0],
    });
    opened.socket.send(Buffer.from('echo hello; id -u\n'));
    await waitFor('hello and the uid', () => /hello\r\n0\r\n/.test(opened.output()));
    assert.match(await processes(containers.alpha), /\s\/bin\/sh\n/);

    opened.socket.send(JSON.stringify({ type: 'resize', cols: 123, rows: 45 }));
    await new Promise((r) => setTimeout(r, 200));
    opened.socket.send(Buffer.from('stty size\n'));
    await waitFor('the new size', () => /45 123\r\n/.test(opened.output()));
    // Bytes outside ASCII pass both ways unchanged.
    opened.socket.send(Buffer.from('echo "grüße €"\n'));
    await waitFor('UTF-8 echoed', () => /\ngrüße €\r\n/.test(opened.output()));

    opened.socket.send(Buffer.from('sleep 321\n'));
    await waitFor('sleep running', async () => /sleep 321/.test(await processes(containers.alpha)));
    opened.socket.close();
    await opened.closed;
    await waitFor(
      'the shell and its sleep to end',
      async () => {
        const ps = await processes(containers.alpha);
        return !/sleep 321/.test(ps) && !/\s\/bin\/sh\n/.test(ps);
      },
      15_000,
    );

    await waitFor('the close in the audit log', async () => {
      const { events } = await t.ctx.audit.list({ actionPrefix: 'service.terminal' }, { limit: 10, offset: 0 });
      return events.some((e) => e.action === 'service.terminal.close');
    });
    const { events } = await t.ctx.audit.list({ actionPrefix: 'service.terminal' }, { limit: 10, offset: 0 });
    const openEvent = events.find((e) => e.action === 'service.terminal.open')!;
    const closeEvent = events.find((e) => e.action === 'service.terminal.close')!;
    assert.equal(openEvent.actor.email, team.users.developer.email);
    assert.equal(openEvent.projectId, team.alpha);
    assert.equal(openEvent.object?.id, team.ids.service);
    assert.match(openEvent.detail ?? '', /^\/bin\/sh in replica 1 \(/);
    assert.match(closeEvent.detail ?? '', /^\/bin\/sh in replica 1 .*: closed after \d+ s, exit code \d+$/);
  });

  it('runs a chosen command as argv, and reports its exit code when it ends by itself', async () => {
    const marker = '/tmp/terminal-ran';
    const opened = await open(
      url(team.ids.service, `?command=${encodeURIComponent(`touch ${marker}`)}`),
      headersOf(developer),
    );
    assert.ok('socket' in opened);
    assert.equal(await opened.closed, 1000);
    assert.deepEqual(opened.notes.at(-1), { type: 'exit', code: 0 });
    assert.ok(await exists(containers.alpha, marker), 'the marker technique sees a command that ran');
    const check = await developer.get(
      `/services/${team.ids.service}/terminal/check?command=${encodeURIComponent('sh -c "id"')}`,
      {
        accept: 'application/json',
      },
    );
    assert.equal(check.statusCode, 422);
    assert.match(check.body, /plain words, without a shell/);
  });

  it("refuses, and runs nothing for: a viewer (403), another project (404), Berth's own container (403), another origin (403)", async () => {
    const marker = '/tmp/refused-marker';
    const query = `?command=${encodeURIComponent(`touch ${marker}`)}`;
    const cases: Array<[string, string, Record<string, string>, number, string]> = [
      ['viewer', url(team.ids.service, query), headersOf(viewer), 403, containers.alpha],
      ['another project', url(team.betaService, query), headersOf(developer), 404, containers.beta],
      ["Berth's own container", url(ownService, query), headersOf(developer), 403, containers.own],
      [
        'another origin',
        url(team.ids.service, query),
        headersOf(developer, 'http://evil.example'),
        403,
        containers.alpha,
      ],
      ['no origin', url(team.ids.service, query), { cookie: developer.cookieHeader() }, 403, containers.alpha],
    ];
    for (const [name, target, headers, status, container] of cases) {
      const res = await open(target, headers);
      assert.ok(!('socket' in res), `${name}: upgraded`);
      assert.equal(res.status, status, name);
      assert.equal(await exists(container, marker), false, `${name}: nothing ran`);
    }
    const viewerPage = await viewer.get(`/services/${team.ids.service}`);
    assert.doesNotMatch(viewerPage.body, /id="tab-terminal"/);
    const developerPage = await developer.get(`/services/${team.ids.service}`);
    assert.match(developerPage.body, /id="tab-terminal"/);
  });
});

describe("the web terminal's limits", () => {
  let t: TestApp;
  let team: Team;
  let base: string;
  let developer: InjectClient;
  let container: string;
  const deployments: string[] = [];

  before(async () => {
    t = await createTestApp({ env: { BERTH_TERMINAL_IDLE_SECONDS: '1', BERTH_TERMINAL_MAX_SECONDS: '3' } });
    team = await seedTeam(t);
    developer = await signIn(t, team.users.developer.email);
    container = await runService(t, deployments, team.alpha, team.ids.service);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const deploymentId of deployments)
      await t?.runtime.removeContainersByLabel(testLabels({ [LABELS.deployment]: deploymentId }));
    await t?.close();
  });

  const shellCount = async () =>
    (await t.runtime.exec(container, ['ps', '-o', 'args'])).stdout.split('\n').filter((l) => l === '/bin/sh').length;
  const headers = () => ({ cookie: developer.cookieHeader(), origin: `http://${base}` });

  it('closes a session left silent for the idle limit, and ends its shell', async () => {
    const opened = await open(`ws://${base}/services/${team.ids.service}/terminal/ws`, headers());
    assert.ok('socket' in opened);
    const started = Date.now();
    assert.equal(await opened.closed, 4001);
    assert.ok(Date.now() - started < 8000, `closed after ${Date.now() - started} ms`);
    assert.ok(
      opened.notes.some((n) => n.type === 'closing' && n.reason === 'idle'),
      JSON.stringify(opened.notes),
    );
    await waitFor('the shell to end', async () => (await shellCount()) === 0);
  });

  it('closes a busy session at the maximum length', async () => {
    const opened = await open(`ws://${base}/services/${team.ids.service}/terminal/ws`, headers());
    assert.ok('socket' in opened);
    const started = Date.now();
    const typing = setInterval(() => opened.socket.send(Buffer.from('echo busy\n')), 300);
    try {
      assert.equal(await opened.closed, 4002);
    } finally {
      clearInterval(typing);
    }
    const took = Date.now() - started;
    assert.ok(took >= 2500 && took < 10_000, `closed after ${took} ms`);
    await waitFor('the shell to end', async () => (await shellCount()) === 0);
    const { events } = await t.ctx.audit.list({ actionPrefix: 'service.terminal.close' }, { limit: 10, offset: 0 });
    assert.ok(
      events.some((e) => /: max-length after \d+ s, exit code/.test(e.detail ?? '')),
      JSON.stringify(events),
    );
  });
});
