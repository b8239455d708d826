/**
 * Messages that must be true for the case at hand: "the previous version keeps serving" only when one
 * does, "another deployment is running" only when one is, "press Deploy now" never on a push-only service
 * with nothing pushed; and the database page's controls wait (disabled, with the reason) while it is created.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { insertDeployment, updateDeployment } from '../../src/deploys/deployments.repository.js';
import { insertDatabase, updateDatabase } from '../../src/databases/databases.repository.js';
import { PushReceiver } from '../../src/git/push-receiver.js';
import type { PushedSources } from '../../src/git/pushed-source.js';
import { newId } from '../../src/lib/ids.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import type { InjectClient } from '../helpers/inject-client.js';

// Loopback, port 9 (discard): nothing answers, so a fetch fails at once and nothing leaves the machine.
const DEAD_GIT = 'http://127.0.0.1:9/nothing.git';
const SHA = 'a'.repeat(40);

describe('messages true for the case at hand', () => {
  let t: TestApp;
  let panel: InjectClient;
  let api: (method: 'GET' | 'POST', url: string, payload?: object) => Promise<LightMyRequestResponse>;
  let projectId: string;

  const createService = async (name: string, source: object): Promise<string> => {
    const created = await api('POST', `/api/v1/projects/${projectId}/services`, { name, source });
    assert.equal(created.statusCode, 201, created.body);
    return created.json().id;
  };
  /** A deployment row in the given state (nothing runs: the rows are what the messages are decided on). */
  const deploymentRow = async (serviceId: string, status: 'queued' | 'active') => {
    const d = await insertDeployment(t.db, {
      id: newId('dep'),
      service_id: serviceId,
      trigger: 'manual',
      triggered_by: null,
      image: null,
      rollback_of: null,
    });
    if (status !== 'queued') await updateDeployment(t.db, d.id, { status });
    return d.id;
  };
  const waitForEnd = async (id: string) => {
    for (let i = 0; i < 300; i++) {
      const d = (await api('GET', `/api/v1/deployments/${id}`)).json();
      if (!['queued', 'fetching', 'building', 'releasing', 'starting', 'healthy', 'watching'].includes(d.status))
        return d;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`deployment ${id} did not end`);
  };
  const logOf = async (id: string) =>
    ((await api('GET', `/api/v1/deployments/${id}/logs`)).json().lines as string[]).join('\n');

  before(async () => {
    t = await createTestApp({ env: { BERTH_ALLOW_PRIVATE_SOURCES: 'true' } });
    const admin = await seedAdmin(t.db);
    const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    api = (method, url, payload) => t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    panel = await signedInClient(t.app);
    projectId = (await api('POST', '/api/v1/projects', { name: 'words' })).json().id;
  });
  after(() => t.close());

  it('a push-only service with nothing pushed: Deploy now is disabled with the reason, no "press Deploy now"', async () => {
    const pushOnly = await createService('pushed', { type: 'push' });
    const section = (await panel.get(`/services/${pushOnly}/deployments`)).body;
    assert.match(
      section,
      /<button type="submit" class="primary" disabled aria-describedby="deploy-disabled-reason">Deploy now/,
    );
    assert.match(
      section,
      /id="deploy-disabled-reason">This service is deployed by <code>git push<\/code> and nothing has been pushed to <code>main<\/code> yet/,
    );
    assert.match(section, /The first one starts when you push to <code>main<\/code>/);
    assert.doesNotMatch(section, /Press <strong>Deploy now/);
    assert.doesNotMatch(section, /Deploy now builds nothing pushed/);

    // A git service can be deployed with the button, and says so.
    const fromGit = await createService('fromgit', { type: 'git', url: DEAD_GIT, branch: 'main' });
    const gitSection = (await panel.get(`/services/${fromGit}/deployments`)).body;
    assert.match(gitSection, /<button type="submit" class="primary">Deploy now/);
    assert.match(gitSection, /Press <strong>Deploy now<\/strong> to build and start this service/);
  });

  it('cancelling a first deploy does not promise a previous version; with one active it does', async () => {
    const serviceId = await createService('cancelme', { type: 'git', url: DEAD_GIT, branch: 'main' });
    const first = await deploymentRow(serviceId, 'queued');
    const page = (await panel.get(`/deployments/${first}`)).body;
    assert.match(
      page,
      /hx-confirm="Cancel this deployment\? Nothing of this service runs yet, so nothing will serve it\."/,
    );
    assert.doesNotMatch(page, /keeps serving/);
    const csrf = await panel.csrfFrom(`/deployments/${first}`);
    const cancelled = await panel.postForm(`/deployments/${first}/cancel`, { _csrf: csrf });
    assert.equal(cancelled.statusCode, 303);
    const after = (await panel.get(`/deployments/${first}`)).body;
    assert.match(after, /Deployment cancelled\. Nothing of this service runs yet; deploy again when ready\./);
    assert.doesNotMatch(after, /keeps serving/);

    await deploymentRow(serviceId, 'active');
    const second = await deploymentRow(serviceId, 'queued');
    assert.match(
      (await panel.get(`/deployments/${second}`)).body,
      /hx-confirm="Cancel this deployment\? The version running now keeps serving\."/,
    );
    await panel.postForm(`/deployments/${second}/cancel`, { _csrf: await panel.csrfFrom(`/deployments/${second}`) });
    assert.match(
      (await panel.get(`/deployments/${second}`)).body,
      /Deployment cancelled\. The version that was running keeps serving\./,
    );
  });

  it('a failed first deploy says nothing serves it; a failed later one that the previous version keeps serving', async () => {
    const serviceId = await createService('failing', { type: 'git', url: DEAD_GIT, branch: 'main' });
    const first = await api('POST', `/api/v1/services/${serviceId}/deployments`);
    assert.equal(first.statusCode, 201, first.body);
    assert.equal((await waitForEnd(first.json().id)).status, 'failed');
    const firstLog = await logOf(first.json().id);
    assert.match(firstLog, /Nothing of this service was running before this deployment, so nothing serves it yet\./);
    assert.doesNotMatch(firstLog, /previous version keeps serving/);

    await deploymentRow(serviceId, 'active');
    const later = await api('POST', `/api/v1/services/${serviceId}/deployments`);
    assert.equal((await waitForEnd(later.json().id)).status, 'failed');
    assert.match(await logOf(later.json().id), /The previous version keeps serving\./);
  });

  it('a push says another deployment runs only when one does, and no previous version on a first deploy', async () => {
    const serviceId = await createService('pushfirst', { type: 'push' });
    // Only the quarantine hold of the pushed objects is stubbed: this push has none (its path is null).
    const sources = { holdQuarantine: () => () => {} } as unknown as PushedSources;
    const receiver = new PushReceiver(t.deploys, sources);
    const said: string[] = [];
    const code = await receiver.receive(
      {
        serviceId,
        projectName: 'words',
        serviceName: 'pushfirst',
        repoPath: '/nonexistent',
        pushedBy: 'a@example.com',
      },
      [{ oldSha: '0'.repeat(40), newSha: SHA, ref: 'refs/heads/main' }],
      null,
      (line) => said.push(line),
      new AbortController().signal,
    );
    const output = said.join('\n');
    assert.equal(code, 1, output);
    assert.match(output, /Push rejected: deployment failed/);
    assert.doesNotMatch(output, /Another deployment/, 'nothing else was running');
    assert.match(
      output,
      /Nothing of this service was running before this deployment, so nothing serves it yet\. The branch was not updated\./,
    );
    assert.doesNotMatch(output, /previous version/);
  });

  describe('the database page while the database is created', () => {
    let databaseId: string;
    before(async () => {
      const env = await t.db
        .selectFrom('environments')
        .select('id')
        .where('project_id', '=', projectId)
        .executeTakeFirstOrThrow();
      databaseId = newId('svc');
      // A row as the create call leaves it before its container is ready (no container is made here).
      await insertDatabase(t.db, {
        id: databaseId,
        projectId,
        environmentId: env.id,
        name: 'db',
        engine: 'postgres',
        image: 'postgres:16',
        credentialsEncrypted: 'not-read-by-this-page',
        volumeName: `berth-test-${databaseId}`,
        memoryMb: null,
        cpus: null,
        now: new Date().toISOString(),
      });
    });

    it('disables what acts on the container, says why, and follows the live stream until it is ready', async () => {
      const page = (await panel.get(`/databases/${databaseId}`)).body;
      assert.match(
        page,
        /id="db-creating-reason">Being created: start, stop, restart, backups, restores and settings become available when it is running/,
      );
      assert.match(page, new RegExp(`<div data-live-stream="/live\\?database=${databaseId}"`));
      assert.match(
        page,
        new RegExp(
          `<div id="db-controls" data-live="database:${databaseId}" data-live-resync hx-get="/databases/${databaseId}" hx-trigger="live"`,
        ),
      );
      assert.match(
        page,
        new RegExp(`id="db-status-${databaseId}" data-live="database:${databaseId}" data-live-resync`),
      );
      assert.doesNotMatch(page, /every 2s/, 'no polling');
      for (const label of ['Start', 'Stop', 'Restart', 'Back up now', 'Save settings']) {
        assert.match(
          page,
          new RegExp(`<button type="submit"[^>]* disabled aria-describedby="db-creating-reason">${label}</button>`),
          `${label} is disabled`,
        );
      }
    });

    it('re-enables them once it runs, and only the Container card follows the status then', async () => {
      await updateDatabase(t.db, databaseId, { status: 'running', updatedAt: new Date().toISOString() });
      const page = (await panel.get(`/databases/${databaseId}`)).body;
      assert.doesNotMatch(page, /db-creating-reason/);
      assert.doesNotMatch(page, /id="db-controls" data-live/);
      assert.match(page, new RegExp(`id="db-actions" data-live="database:${databaseId}"`));
      for (const label of ['Stop', 'Restart', 'Back up now', 'Save settings']) {
        assert.match(
          page,
          new RegExp(`<button type="submit"( class="primary")?>${label}</button>`),
          `${label} is enabled`,
        );
      }
      assert.match(page, /<button type="submit" disabled title="It is running\.">Start<\/button>/);
    });
  });
});
