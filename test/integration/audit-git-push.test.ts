/**
 * A git push over HTTP appears in the audit log: who pushed (by the token's user), from where, which ref
 * moved, accepted; and the deploy it started and how it ended. Reuses the git push harness; one push.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { git, mustGit, workingRepo } from '../helpers/git-cli.js';

interface Event {
  action: string;
  actor: { kind: string; email: string | null };
  object: { type: string; id: string; name: string };
  projectId: string;
  address: string;
  outcome: string;
  detail: string | null;
  changes: Record<string, { before?: string; after?: string }> | null;
}

describe('audit log of a git push', () => {
  let h: Harness;
  let projectId: string;
  let serviceId: string;
  let token: string;

  before(async () => {
    h = await startHarness({ BERTH_STABILISATION_SECONDS: '1' });
    ({ projectId, serviceId } = await createFixtureService(h.api, { project: 'audited', push: true }));
    token = (await h.api<{ token: string }>('POST', '/tokens', { name: 'push' })).body.token;
  });
  after(async () => {
    await h?.close();
  });

  it('records the push, the deploy it started and its end', async () => {
    const work = await workingRepo({ ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' }, 'Audited release');
    const sha = (await mustGit(['rev-parse', 'HEAD'], work)).trim();
    const remote = `http://git:${token}@${new URL(h.panelUrl).host}/git/audited/web.git`;
    const result = await git(['push', remote, 'main'], { cwd: work });
    assert.equal(result.code, 0, result.output);

    const events = async (action: string) =>
      (await h.api<{ events: Event[] }>('GET', `/audit?project=${projectId}&action=${action}`)).body.events;
    const [push] = await events('git.push');
    assert.ok(push, 'the push is in the log');
    assert.equal(push.actor.kind, 'git-push');
    assert.match(push.actor.email ?? '', /@/);
    assert.deepEqual(push.object, { type: 'service', id: serviceId, name: 'audited/web' });
    assert.equal(push.address, '127.0.0.1');
    assert.equal(push.outcome, 'success');
    assert.match(push.detail ?? '', /^over http/);
    assert.deepEqual(push.changes, { 'refs/heads/main': { after: sha.slice(0, 12) } });

    const [start] = await events('deploy.start');
    assert.equal(start?.actor.kind, 'git-push');
    assert.match(start?.detail ?? '', new RegExp(`^push ${sha.slice(0, 12)}`));
    // Recorded from the deploy events, a moment after the push returned.
    let [finish] = await events('deploy.finish');
    for (let i = 0; i < 50 && !finish; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      [finish] = await events('deploy.finish');
    }
    assert.equal(finish?.actor.kind, 'system');
    assert.equal(finish?.outcome, 'success');
    assert.equal(finish?.detail, 'active');
    assert.ok(!JSON.stringify(await events('')).includes(token), 'the token used as a password is not stored');
  });
});
