/** Pull/merge request events per provider (trimmed recorded shapes) and the preview name a branch gets. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/errors.js';
import { announcedPullRequest } from '../../src/previews/pull-request-events.js';
import { previewNameFor } from '../../src/previews/preview-names.js';

const HEAD = 'b'.repeat(40);

const github = (action: string, headRepo = 'acme/shop') => ({
  action,
  number: 42,
  pull_request: {
    number: 42,
    merged: action === 'closed',
    head: { ref: 'feature/login', sha: HEAD, repo: { full_name: headRepo } },
    base: { ref: 'main', sha: 'c'.repeat(40), repo: { full_name: 'acme/shop' } },
  },
});

const gitlab = (action: string, extra: Record<string, unknown> = {}) => ({
  object_kind: 'merge_request',
  object_attributes: {
    iid: 7,
    action,
    source_branch: 'feature-x',
    target_branch: 'main',
    source_project_id: 11,
    target_project_id: 11,
    last_commit: { id: HEAD },
    ...extra,
  },
});

const bitbucketCloud = {
  pullrequest: {
    id: 3,
    source: { branch: { name: 'fix_1' }, commit: { hash: 'bbbbbbbbbbbb' }, repository: { full_name: 'acme/shop' } },
    destination: { branch: { name: 'main' }, repository: { full_name: 'acme/shop' } },
  },
};

const bitbucketServer = {
  pullRequest: {
    id: 9,
    fromRef: { displayId: 'topic', latestCommit: HEAD, repository: { slug: 'shop', project: { key: 'AC' } } },
    toRef: { displayId: 'main', repository: { slug: 'shop', project: { key: 'AC' } } },
  },
};

describe('announcedPullRequest', () => {
  it('reads GitHub opened, synchronize and closed (merged or not) events', () => {
    assert.deepEqual(announcedPullRequest('github', 'pull_request', github('opened')), {
      number: 42,
      action: 'opened',
      branch: 'feature/login',
      baseBranch: 'main',
      sha: HEAD,
      fromFork: false,
    });
    assert.equal(announcedPullRequest('github', 'pull_request', github('synchronize'))?.action, 'updated');
    assert.equal(announcedPullRequest('github', 'pull_request', github('reopened'))?.action, 'opened');
    assert.equal(announcedPullRequest('github', 'pull_request', github('closed'))?.action, 'closed');
  });

  it('marks a request from a fork and ignores other actions and events', () => {
    assert.equal(announcedPullRequest('github', 'pull_request', github('opened', 'mallory/shop'))?.fromFork, true);
    assert.equal(announcedPullRequest('github', 'pull_request', github('labeled')), undefined);
    assert.equal(announcedPullRequest('github', 'push', github('opened')), undefined);
    assert.equal(announcedPullRequest('github', 'pull_request', { action: 'opened' }), undefined);
    assert.equal(announcedPullRequest('github', 'pull_request', 'not an object'), undefined);
  });

  it('reads Gitea/Forgejo "synchronized"', () => {
    assert.equal(announcedPullRequest('gitea', 'pull_request', github('synchronized'))?.action, 'updated');
  });

  it('reads GitLab merge request hooks; an update without new commits is not a redeploy', () => {
    assert.deepEqual(announcedPullRequest('gitlab', 'Merge Request Hook', gitlab('open')), {
      number: 7,
      action: 'opened',
      branch: 'feature-x',
      baseBranch: 'main',
      sha: HEAD,
      fromFork: false,
    });
    assert.equal(announcedPullRequest('gitlab', 'Merge Request Hook', gitlab('update')), undefined);
    assert.equal(
      announcedPullRequest('gitlab', 'Merge Request Hook', gitlab('update', { oldrev: 'a'.repeat(40) }))?.action,
      'updated',
    );
    assert.equal(announcedPullRequest('gitlab', 'Merge Request Hook', gitlab('merge'))?.action, 'closed');
    assert.equal(
      announcedPullRequest('gitlab', 'Merge Request Hook', gitlab('open', { source_project_id: 12 }))?.fromFork,
      true,
    );
    assert.equal(announcedPullRequest('gitlab', 'Push Hook', gitlab('open')), undefined);
  });

  it('reads Bitbucket Cloud and Data Center events; an abbreviated hash is not passed on as a SHA', () => {
    assert.deepEqual(announcedPullRequest('bitbucket', 'pullrequest:created', bitbucketCloud), {
      number: 3,
      action: 'opened',
      branch: 'fix_1',
      baseBranch: 'main',
      sha: null,
      fromFork: false,
    });
    assert.equal(announcedPullRequest('bitbucket', 'pullrequest:rejected', bitbucketCloud)?.action, 'closed');
    assert.equal(announcedPullRequest('bitbucket', 'pullrequest:comment_created', bitbucketCloud), undefined);
    assert.equal(announcedPullRequest('bitbucket', 'pr:from_ref_updated', bitbucketServer)?.sha, HEAD);
    assert.equal(announcedPullRequest('bitbucket', 'pr:merged', bitbucketServer)?.action, 'closed');
  });
});

describe('previewNameFor', () => {
  const around = { service: 'web', project: 'shop' };

  it('keeps a branch that is already a hostname label', () => {
    assert.equal(previewNameFor('feature-x', around), 'feature-x');
  });

  it('adds a hash when the name loses characters, so two branches never share a preview', () => {
    const slashed = previewNameFor('feature/x', around);
    assert.match(slashed, /^feature-x-[0-9a-f]{6}$/);
    assert.notEqual(slashed, previewNameFor('feature-x', around));
    assert.equal(slashed, previewNameFor('feature/x', around), 'the same branch always gets the same name');
    assert.match(previewNameFor('Fix_Login', around), /^fix-login-[0-9a-f]{6}$/);
    assert.match(previewNameFor('123-hotfix', around), /^br-123-hotfix-[0-9a-f]{6}$/);
  });

  it('keeps <service>-<preview>-<project> within 63 characters', () => {
    const long = `feature-${'a'.repeat(80)}`;
    const name = previewNameFor(long, around);
    assert.ok(`web-${name}-shop`.length <= 63, name);
    assert.match(name, /-[0-9a-f]{6}$/);
  });

  it('refuses branch names that are not valid git branches or leave no room for a hostname', () => {
    for (const bad of ['../etc', 'a..b', '-x', 'x.lock', 'a b', 'x@{1}', '', '___']) {
      assert.throws(
        () => previewNameFor(bad === '' ? 42 : bad, around),
        (error) => isAppError(error) && error.code === 'VALIDATION_FAILED',
        bad,
      );
    }
    assert.throws(
      () => previewNameFor('feature-x', { service: 's'.repeat(30), project: 'p'.repeat(30) }),
      (error) => isAppError(error) && /no room/.test(error.message),
    );
  });
});
