/**
 * Reads pushed commits out of a service's Berth repository for the build: the tree of one commit (git
 * archive) and its message and author. While a push is being decided, its objects live only in git's
 * quarantine directory (objects/tmp_objdir-incoming-*), which is added as the object directory for that commit.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { exportTree, runGit } from './git-process.js';
import type { RepoStore } from './repo-store.js';

const SHA = /^[0-9a-f]{40}$/;

export interface CommitInfo {
  sha: string;
  message: string;
  author: string;
}

export class PushedSources {
  /** `<repo path>:<sha>` → quarantine directory, while the push of that commit waits for its deployment. */
  private readonly quarantines = new Map<string, string>();

  constructor(private readonly repos: RepoStore) {}

  /**
   * Remembers where a pushed commit's objects wait. Only a directory `objects/tmp_objdir-incoming-*` of that very
   * repository is accepted (the hook reports it; it must not point Berth anywhere else).
   */
  holdQuarantine(repoPath: string, sha: string, quarantinePath: string | null): () => void {
    if (!quarantinePath) return () => {};
    const resolved = resolve(repoPath, quarantinePath);
    if (
      dirname(resolved) !== join(repoPath, 'objects') ||
      !/^(tmp_objdir-)?incoming-[A-Za-z0-9_.-]+$/.test(basename(resolved))
    ) {
      throw new Error('The push reported an unexpected quarantine directory.');
    }
    const key = `${repoPath}:${sha}`;
    this.quarantines.set(key, resolved);
    return () => {
      if (this.quarantines.get(key) === resolved) this.quarantines.delete(key);
    };
  }

  private envFor(repoPath: string, sha: string): Record<string, string> {
    const env: Record<string, string> = { ...this.repos.gitEnv(), GIT_DIR: repoPath };
    const quarantine = this.quarantines.get(`${repoPath}:${sha}`);
    if (quarantine) {
      env.GIT_OBJECT_DIRECTORY = quarantine;
      env.GIT_ALTERNATE_OBJECT_DIRECTORIES = join(repoPath, 'objects');
    }
    return env;
  }

  async commitInfo(repoPath: string, sha: string): Promise<CommitInfo> {
    if (!SHA.test(sha)) throw new Error('not a commit sha');
    const out = await runGit(['show', '-s', '--format=%H%x00%an <%ae>%x00%B', sha], this.envFor(repoPath, sha));
    const [full, author, ...message] = out.split('\u0000');
    return { sha: (full ?? sha).trim(), author: (author ?? '').trim(), message: message.join('').trim() };
  }

  /** The message and author of a commit in the service's Berth repository. */
  describeCommit(projectName: string, serviceName: string, sha: string): Promise<CommitInfo> {
    return this.commitInfo(this.repos.pathOf(projectName, serviceName), sha);
  }

  /** Writes the commit's tree into `dir` (an empty directory) and returns the commit. */
  async exportCommit(projectName: string, serviceName: string, sha: string, dir: string): Promise<CommitInfo> {
    const repoPath = this.repos.pathOf(projectName, serviceName);
    const commit = await this.commitInfo(repoPath, sha);
    await exportTree(sha, dir, this.envFor(repoPath, sha));
    return commit;
  }
}
