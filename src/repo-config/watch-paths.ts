/**
 * Watch paths (berth.json `build.watchPaths`, gitignore-style patterns relative to the repository root): a
 * webhook push whose changed files match none of them does not deploy. The patterns are those of the
 * service's live deployment (the file as it was last applied). When the payload does not list every changed
 * file (Bitbucket, GitHub's 20-commit cap, a force push), Berth cannot tell, so it deploys.
 */
import type { Db } from '../db/connection.js';
import { ignoreRules } from '../lib/ignore-rules.js';
import { latestConfigFile } from './repo-config.repository.js';

/** GitHub lists at most 20 commits in a push payload; with that many, some may be missing. */
const MAX_LISTED_COMMITS = 20;

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === 'object' ? (value as Json) : {});

/** Every file a push payload says changed (GitHub, Gitea/Forgejo, GitLab), or undefined when it cannot say. */
export function changedFilesOf(payload: unknown): string[] | undefined {
  const commits = obj(payload).commits;
  if (!Array.isArray(commits) || commits.length === 0 || commits.length >= MAX_LISTED_COMMITS) return undefined;
  const files = new Set<string>();
  for (const commit of commits.map(obj)) {
    for (const key of ['added', 'modified', 'removed']) {
      const list = commit[key];
      if (!Array.isArray(list)) return undefined;
      for (const file of list) if (typeof file === 'string' && file !== '') files.add(file.replace(/^\/+/, ''));
    }
  }
  return [...files];
}

/** Whether any of `files` matches the patterns. */
export function touchesWatchPaths(patterns: readonly string[], files: readonly string[]): boolean {
  const matches = ignoreRules(patterns);
  return files.some((file) => {
    try {
      return matches(file);
    } catch {
      return true; // A path the matcher cannot judge: deploy rather than miss a change.
    }
  });
}

/** Why a webhook push should not deploy, or undefined when it should. */
export async function watchPathsSkipReason(db: Db, serviceId: string, payload: unknown): Promise<string | undefined> {
  const patterns = (await latestConfigFile(db, serviceId))?.file?.settings.build?.watchPaths;
  if (!patterns || patterns.length === 0) return undefined;
  const files = changedFilesOf(payload);
  if (files === undefined || touchesWatchPaths(patterns, files)) return undefined;
  return `no changed file matches the watch paths of berth.json (${patterns.slice(0, 5).join(', ')})`;
}
