/**
 * Roles on the git remote against a real daemon: two people invited through the running daemon's API
 * (a developer and a viewer of one project) accept at /invite, make their own API tokens in the panel,
 * and push over smart HTTP. The developer's push deploys; the viewer may fetch but their push is refused
 * and stores nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { commitFiles, git, mustGit, workingRepo } from '../helpers/git-cli.js';
import { csrfTokenOf } from '../helpers/inject-client.js';
import { get } from '../helpers/load.js';

const HOST = 'web-teamy.localhost';
const PASSWORD = 'a-long-test-password';

/** A browser over fetch: keeps cookies, never follows redirects. */
function browserAt(baseUrl: string) {
  const cookies = new Map<string, string>();
  const send = async (path: string, form?: Record<string, string>) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return { status: response.status, body: await response.text() };
  };
  return { get: (path: string) => send(path), post: send };
}

describe('git push over HTTP by role', () => {
  let h: Harness;
  let projectId: string;
  let serviceId: string;
  let work: string;

  const remoteWith = (token: string) => `http://git:${token}@${new URL(h.panelUrl).host}/git/teamy/web.git`;
  const deployments = async () =>
    (await h.api<Array<Record<string, unknown>>>('GET', `/services/${serviceId}/deployments`)).body;

  /** Invites `email` with `role` on the project, accepts at /invite, and creates a token in the panel. */
  const memberToken = async (email: string, role: 'developer' | 'viewer'): Promise<string> => {
    const invited = await h.api<{ url: string; token: string }>('POST', '/invitations', {
      email,
      grants: [{ projectId, role }],
    });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    const browser = browserAt(h.panelUrl);
    const invitePage = await browser.get(`/invite?token=${invited.body.token}`);
    assert.equal(invitePage.status, 200);
    const accepted = await browser.post('/invite', {
      _csrf: csrfTokenOf(invitePage.body),
      token: invited.body.token,
      password: PASSWORD,
    });
    assert.equal(accepted.status, 303, accepted.body);
    const tokensPage = await browser.get('/tokens');
    assert.equal(tokensPage.status, 200);
    const created = await browser.post('/tokens', {
      _csrf: csrfTokenOf(tokensPage.body),
      name: `${role}-push`,
      projectId,
      role,
    });
    const token = /id="new-token-value">([^<]+)</.exec(created.body)?.[1];
    assert.ok(token, `a token for ${email}: ${created.status}`);
    return token;
  };

  before(async () => {
    h = await startHarness({ BERTH_STABILISATION_SECONDS: '1' });
    ({ projectId, serviceId } = await createFixtureService(h.api, { project: 'teamy', push: true }));
    work = await workingRepo({ ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' }, 'First release');
  });
  after(async () => {
    await h?.close();
  });

  it("deploys a developer's push", async () => {
    const token = await memberToken('dev@example.com', 'developer');
    const result = await git(['push', remoteWith(token), 'main'], { cwd: work });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /remote: .*Live at http:\/\//);
    assert.equal((await get(h.proxyPort, HOST, '/')).body, 'v1');
    const [latest] = await deployments();
    assert.equal(latest?.trigger, 'push');
    assert.equal(latest?.status, 'active');
  });

  it("refuses a viewer's push (fetching is allowed) and stores nothing", async () => {
    const token = await memberToken('viewer@example.com', 'viewer');
    const remote = remoteWith(token);
    const refs = await mustGit(['ls-remote', remote], work);
    const liveSha = (await mustGit(['rev-parse', 'HEAD'], work)).trim();
    assert.match(refs, new RegExp(`^${liveSha}\\trefs/heads/main`, 'm'), 'a viewer may fetch');

    const before = (await deployments()).length;
    const sha = await commitFiles(work, { VERSION: 'v2-from-viewer\n' }, 'Viewer tries');
    const result = await git(['push', remote, 'main'], { cwd: work, timeoutMs: 60_000 });
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /403|does not allow git push/);
    assert.equal((await deployments()).length, before, 'no deployment started');
    assert.doesNotMatch(await mustGit(['ls-remote', remote], work), new RegExp(sha), 'the commit is not stored');
    assert.equal((await get(h.proxyPort, HOST, '/')).body, 'v1');
  });
});
