/**
 * The git repositories in a restored backup are data (objects, refs), never behaviour: git runs a
 * repository's hooks and obeys its config (hooksPath, fsmonitor, alternates, ...) as the daemon's user on
 * the next push. So each restored `repos/<project>/<service>.git` gets Berth's own config and an empty
 * hooks/ (the shared hook in repos/.hooks is rewritten by the daemon at start), and object alternates,
 * which could make git read objects from anywhere, are dropped.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** The config RepoStore gives a repository it creates (git init --bare, then its three settings). */
function berthRepoConfig(hooksDir: string): string {
  return [
    '[core]',
    '\trepositoryformatversion = 0',
    '\tfilemode = true',
    '\tbare = true',
    `\thooksPath = ${hooksDir}`,
    '[http]',
    '\treceivepack = true',
    '[receive]',
    '\tfsckObjects = true',
    '',
  ].join('\n');
}

/**
 * Resets every repository under `stagedRepos` (the extracted archive's repos/) for a data dir at
 * `targetDataDir`. Returns how many repositories were reset.
 */
export function resetRestoredRepositories(stagedRepos: string, targetDataDir: string): number {
  if (!existsSync(stagedRepos)) return 0;
  const hooksDir = join(targetDataDir, 'repos', '.hooks');
  // The archive's shared hooks never run: the daemon writes its own pre-receive there at start.
  rmSync(join(stagedRepos, '.hooks'), { recursive: true, force: true });
  let count = 0;
  for (const project of readdirSync(stagedRepos)) {
    const projectDir = join(stagedRepos, project);
    if (!NAME.test(project) || !statSync(projectDir).isDirectory()) continue;
    for (const entry of readdirSync(projectDir)) {
      const repo = join(projectDir, entry);
      if (!entry.endsWith('.git') || !statSync(repo).isDirectory()) continue;
      rmSync(join(repo, 'hooks'), { recursive: true, force: true });
      mkdirSync(join(repo, 'hooks'), { mode: 0o700 });
      for (const name of ['config.worktree', 'objects/info/alternates', 'objects/info/http-alternates']) {
        rmSync(join(repo, name), { force: true });
      }
      writeFileSync(join(repo, 'config'), berthRepoConfig(hooksDir), { mode: 0o600 });
      count++;
    }
  }
  return count;
}
