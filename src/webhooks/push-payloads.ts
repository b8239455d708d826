/**
 * The push an event announces, read from each provider's payload shape: the branch, the new commit and,
 * when the payload has them, its message and author. Anything else (tags, deletions, other events) is
 * `undefined`: not a push Berth deploys.
 */
import type { Provider } from './signatures.js';

export interface AnnouncedPush {
  branch: string;
  sha: string;
  message: string | null;
  author: string | null;
}

const SHA = /^[0-9a-f]{40}$/;
type Json = Record<string, unknown>;

const obj = (value: unknown): Json => (value && typeof value === 'object' ? (value as Json) : {});
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function fromRef(ref: unknown, sha: unknown, message: unknown, author: unknown): AnnouncedPush | undefined {
  const r = str(ref);
  const s = str(sha);
  if (!r?.startsWith('refs/heads/') || !s || !SHA.test(s)) return undefined;
  return { branch: r.slice('refs/heads/'.length), sha: s, message: str(message), author: str(author) };
}

function personOf(value: unknown): string | null {
  const person = obj(value);
  const name = str(person.name);
  const email = str(person.email);
  return name ? (email ? `${name} <${email}>` : name) : null;
}

export function announcedPush(provider: Provider, event: string, payload: unknown): AnnouncedPush | undefined {
  const body = obj(payload);
  if (provider === 'github' || provider === 'gitea') {
    if (event !== 'push') return undefined;
    const head = obj(body.head_commit);
    return fromRef(body.ref, body.after, head.message, personOf(head.author));
  }
  if (provider === 'gitlab') {
    if (event !== 'Push Hook') return undefined;
    const sha = str(body.checkout_sha) ?? str(body.after);
    const commits = Array.isArray(body.commits) ? (body.commits as unknown[]).map(obj) : [];
    const head = commits.find((c) => c.id === sha) ?? {};
    return fromRef(body.ref, sha, head.message, personOf(head.author));
  }
  if (event === 'repo:push') {
    // Bitbucket Cloud: push.changes[].new is the branch after the push (null for a deletion).
    const changes = Array.isArray(obj(body.push).changes) ? (obj(body.push).changes as unknown[]).map(obj) : [];
    const pushed = changes.map((c) => obj(c.new)).find((n) => n.type === 'branch');
    if (!pushed) return undefined;
    const target = obj(pushed.target);
    return fromRef(`refs/heads/${str(pushed.name) ?? ''}`, target.hash, target.message, str(obj(target.author).raw));
  }
  if (event === 'repo:refs_changed') {
    // Bitbucket Data Center: changes[] with ref.id and toHash.
    const changes = Array.isArray(body.changes) ? (body.changes as unknown[]).map(obj) : [];
    const change = changes.find((c) => c.type !== 'DELETE' && obj(c.ref).type === 'BRANCH');
    return change ? fromRef(obj(change.ref).id, change.toHash, null, null) : undefined;
  }
  return undefined;
}
