/**
 * The pull (merge) request an event announces, read from each provider's payload shape: which request
 * (its number), what happened to it in Berth's words (opened or updated → the preview is created or
 * redeployed; closed → the preview is removed), its source branch and, when the payload names it, the
 * head commit. Anything else (comments, reviews, label changes, pushes) is `undefined`: not a request
 * event a preview follows. A request from another repository (a fork) is reported as such, because its
 * code is not the project owner's: the caller decides (previews of forks are off by default).
 */
import type { Provider } from '../webhooks/signatures.js';

export type PullRequestAction = 'opened' | 'updated' | 'closed';

export interface AnnouncedPullRequest {
  number: number;
  action: PullRequestAction;
  /** The branch the request's commits are on (its head / source branch). */
  branch: string;
  /** The branch it would merge into. */
  baseBranch: string;
  /** The head commit; a 40-character SHA, or null when the payload abbreviates it (Bitbucket) or omits it. */
  sha: string | null;
  fromFork: boolean;
}

type Json = Record<string, unknown>;
const SHA = /^[0-9a-f]{40}$/;

const obj = (value: unknown): Json => (value && typeof value === 'object' ? (value as Json) : {});
const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const sha = (value: unknown): string | null => {
  const s = str(value);
  return s && SHA.test(s) ? s : null;
};
const positiveInt = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;

function announced(
  number: number | null,
  action: PullRequestAction | undefined,
  branch: string | null,
  baseBranch: string | null,
  headSha: string | null,
  fromFork: boolean,
): AnnouncedPullRequest | undefined {
  if (number === null || !action || !branch || !baseBranch) return undefined;
  return { number, action, branch, baseBranch, sha: headSha, fromFork };
}

// GitHub and Gitea/Forgejo share the payload shape; Gitea says "synchronized" where GitHub says "synchronize".
const GITHUB_ACTIONS: Record<string, PullRequestAction> = {
  opened: 'opened',
  reopened: 'opened',
  synchronize: 'updated',
  synchronized: 'updated',
  closed: 'closed',
};

const GITLAB_ACTIONS: Record<string, PullRequestAction> = {
  open: 'opened',
  reopen: 'opened',
  update: 'updated',
  close: 'closed',
  merge: 'closed',
};

const BITBUCKET_EVENTS: Record<string, PullRequestAction> = {
  'pullrequest:created': 'opened',
  'pullrequest:updated': 'updated',
  'pullrequest:fulfilled': 'closed',
  'pullrequest:rejected': 'closed',
};

function fromGithubShape(body: Json): AnnouncedPullRequest | undefined {
  const request = obj(body.pull_request);
  const head = obj(request.head);
  const base = obj(request.base);
  const headRepo = str(obj(head.repo).full_name);
  const baseRepo = str(obj(base.repo).full_name);
  return announced(
    positiveInt(body.number) ?? positiveInt(request.number),
    GITHUB_ACTIONS[str(body.action) ?? ''],
    str(head.ref),
    str(base.ref),
    sha(head.sha),
    headRepo !== null && baseRepo !== null && headRepo !== baseRepo,
  );
}

function fromGitlab(body: Json): AnnouncedPullRequest | undefined {
  if (body.object_kind !== 'merge_request') return undefined;
  const attributes = obj(body.object_attributes);
  const action = GITLAB_ACTIONS[str(attributes.action) ?? ''];
  // An "update" that adds no commit (title, labels, assignee) has no oldrev: nothing to redeploy.
  if (action === 'updated' && !str(attributes.oldrev)) return undefined;
  const source = positiveInt(attributes.source_project_id);
  const target = positiveInt(attributes.target_project_id);
  return announced(
    positiveInt(attributes.iid),
    action,
    str(attributes.source_branch),
    str(attributes.target_branch),
    sha(obj(attributes.last_commit).id),
    source !== null && target !== null && source !== target,
  );
}

// Bitbucket Data Center names its events differently and carries refs as fromRef/toRef.
const BITBUCKET_SERVER_EVENTS: Record<string, PullRequestAction> = {
  'pr:opened': 'opened',
  'pr:from_ref_updated': 'updated',
  'pr:merged': 'closed',
  'pr:declined': 'closed',
  'pr:deleted': 'closed',
};

function repositoryKey(ref: Json): string | null {
  const repository = obj(ref.repository);
  const project = str(obj(repository.project).key);
  const slug = str(repository.slug);
  return project && slug ? `${project}/${slug}` : null;
}

function fromBitbucketServer(event: string, body: Json): AnnouncedPullRequest | undefined {
  const request = obj(body.pullRequest);
  const from = obj(request.fromRef);
  const to = obj(request.toRef);
  const fromRepo = repositoryKey(from);
  const toRepo = repositoryKey(to);
  return announced(
    positiveInt(request.id),
    BITBUCKET_SERVER_EVENTS[event],
    str(from.displayId),
    str(to.displayId),
    sha(from.latestCommit),
    fromRepo !== null && toRepo !== null && fromRepo !== toRepo,
  );
}

function fromBitbucket(event: string, body: Json): AnnouncedPullRequest | undefined {
  if (event.startsWith('pr:')) return fromBitbucketServer(event, body);
  const request = obj(body.pullrequest);
  const source = obj(request.source);
  const destination = obj(request.destination);
  const sourceRepo = str(obj(source.repository).full_name);
  const destinationRepo = str(obj(destination.repository).full_name);
  return announced(
    positiveInt(request.id),
    BITBUCKET_EVENTS[event],
    str(obj(source.branch).name),
    str(obj(destination.branch).name),
    sha(obj(source.commit).hash),
    sourceRepo !== null && destinationRepo !== null && sourceRepo !== destinationRepo,
  );
}

export function announcedPullRequest(
  provider: Provider,
  event: string,
  payload: unknown,
): AnnouncedPullRequest | undefined {
  const body = obj(payload);
  if (provider === 'github' || provider === 'gitea') {
    return event === 'pull_request' ? fromGithubShape(body) : undefined;
  }
  if (provider === 'gitlab') return event === 'Merge Request Hook' ? fromGitlab(body) : undefined;
  return fromBitbucket(event, body);
}
