/** Webhook sender detection, signature checks and push payload reading, per provider (recorded shapes). */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { announcedPush } from '../../src/webhooks/push-payloads.js';
import { deliveryIdOf, detectProvider, eventOf, isSignedBy } from '../../src/webhooks/signatures.js';
import { loadConfig } from '../../src/config.js';

const SHA = 'a'.repeat(40);
const SECRET = 'whsec_test-secret';
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/webhooks/${name}`, import.meta.url), 'utf8').replaceAll('"SHA"', `"${SHA}"`);
const headersOf = JSON.parse(fixture('headers.json')) as Record<string, Record<string, string>>;
const hmac = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

describe('webhook senders', () => {
  it('tells the providers apart, Gitea before the GitHub headers it also sends', () => {
    assert.equal(detectProvider(headersOf.github!), 'github');
    assert.equal(detectProvider(headersOf.gitea!), 'gitea');
    assert.equal(detectProvider(headersOf.gitlab!), 'gitlab');
    assert.equal(detectProvider(headersOf.bitbucket!), 'bitbucket');
    assert.equal(detectProvider({ 'content-type': 'application/json' }), undefined);
  });

  it('accepts only the right signature in each provider’s header', () => {
    const body = Buffer.from(fixture('github-push.json'));
    const text = body.toString();
    assert.equal(isSignedBy('github', { 'x-hub-signature-256': `sha256=${hmac(text)}` }, body, SECRET), true);
    assert.equal(isSignedBy('github', { 'x-hub-signature-256': `sha256=${hmac(text, 'other')}` }, body, SECRET), false);
    assert.equal(isSignedBy('github', { 'x-hub-signature-256': hmac(text) }, body, SECRET), false, 'prefix required');
    assert.equal(isSignedBy('github', { 'x-hub-signature-256': 'sha256=' }, body, SECRET), false);
    assert.equal(isSignedBy('github', {}, body, SECRET), false);
    assert.equal(isSignedBy('gitea', { 'x-gitea-signature': hmac(text) }, body, SECRET), true);
    assert.equal(isSignedBy('gitea', { 'x-gitea-signature': hmac(`${text} `) }, body, SECRET), false);
    assert.equal(isSignedBy('bitbucket', { 'x-hub-signature': `sha256=${hmac(text)}` }, body, SECRET), true);
    assert.equal(isSignedBy('bitbucket', { 'x-hub-signature': `sha1=${hmac(text)}` }, body, SECRET), false);
    assert.equal(isSignedBy('gitlab', { 'x-gitlab-token': SECRET }, body, SECRET), true);
    assert.equal(isSignedBy('gitlab', { 'x-gitlab-token': `${SECRET}x` }, body, SECRET), false);
    assert.equal(isSignedBy('gitlab', { 'x-gitlab-token': ['a', 'b'] }, body, SECRET), false);
  });

  it('reads branch, commit, message and author from each payload shape', () => {
    const read = (provider: 'github' | 'gitlab' | 'gitea' | 'bitbucket') =>
      announcedPush(provider, eventOf(provider, headersOf[provider]!), JSON.parse(fixture(`${provider}-push.json`)));
    assert.deepEqual(read('github'), {
      branch: 'main',
      sha: SHA,
      message: 'Ship it',
      author: 'Octo Cat <octo@example.com>',
    });
    assert.deepEqual(read('gitlab'), {
      branch: 'main',
      sha: SHA,
      message: 'Ship it from GitLab\n',
      author: 'Jane Lab <jane@example.com>',
    });
    assert.equal(read('gitea')?.sha, SHA);
    assert.deepEqual(read('bitbucket'), {
      branch: 'main',
      sha: SHA,
      message: 'Ship it from Bitbucket\n',
      author: 'Bit Bucket <bb@example.com>',
    });
  });

  it('ignores tags, deletions, other events and malformed shas', () => {
    const github = JSON.parse(fixture('github-push.json')) as Record<string, unknown>;
    assert.equal(announcedPush('github', 'push', { ...github, ref: 'refs/tags/v1' }), undefined);
    assert.equal(announcedPush('github', 'push', { ...github, after: '0'.repeat(39) }), undefined);
    assert.equal(announcedPush('github', 'push', { ...github, after: `${SHA};id` }), undefined);
    assert.equal(announcedPush('github', 'ping', github), undefined);
    assert.equal(announcedPush('gitlab', 'Tag Push Hook', JSON.parse(fixture('gitlab-push.json'))), undefined);
    assert.equal(announcedPush('bitbucket', 'repo:push', { push: { changes: [{ new: null }] } }), undefined);
  });

  it('uses the provider’s delivery id, and a body hash when there is none', () => {
    const body = Buffer.from('{}');
    assert.equal(deliveryIdOf('github', headersOf.github!, body), headersOf.github!['x-github-delivery']);
    assert.equal(
      deliveryIdOf('gitlab', { 'x-gitlab-event-uuid': 'bad id with spaces' }, body).startsWith('body-'),
      true,
    );
    assert.equal(deliveryIdOf('gitlab', {}, body), deliveryIdOf('gitlab', {}, Buffer.from('{}')));
  });
});

describe('BERTH_SSH_PORT', () => {
  it('defaults to 2222, takes a port, and "off" turns the SSH remote off', () => {
    assert.equal(loadConfig({}).sshPort, 2222);
    assert.equal(loadConfig({ BERTH_SSH_PORT: '2022' }).sshPort, 2022);
    assert.equal(loadConfig({ BERTH_SSH_PORT: 'off' }).sshPort, null);
    assert.throws(() => loadConfig({ BERTH_SSH_PORT: '22;id' }), /BERTH_SSH_PORT/);
  });
});
