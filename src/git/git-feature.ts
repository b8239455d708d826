/** Starts the git push feature: the remote (repos, hook socket) and, unless turned off, the SSH server. */
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { DeploySystem } from '../deploys/deploy-system.js';
import type { Logger } from '../logger.js';
import type { AuditRecorder } from '../audit/audit-log.js';
import { GitRemote } from './git-remote.js';
import type { PushedSources } from './pushed-source.js';
import type { RepoStore } from './repo-store.js';
import { sshKeyLookup } from './ssh-keys.js';
import { readOrCreateHostKey, SshGitServer } from './ssh-server.js';

export async function startGitFeature(parts: {
  config: Config;
  db: Db;
  deploys: DeploySystem;
  repos: RepoStore;
  sources: PushedSources;
  logger: Logger;
  /** Where pushes are recorded (the audit log). */
  audit?: AuditRecorder;
}): Promise<{ git: GitRemote; close: () => Promise<void> }> {
  const { config, db, deploys, repos, sources } = parts;
  const logger = parts.logger.child({ component: 'git' });
  const git = new GitRemote(db, config.dataDir, repos, sources, deploys, logger, parts.audit);
  // Like the app proxy: a git remote that cannot start must not keep the panel and running apps down.
  await git
    .start(process.execPath)
    .catch((error: Error) =>
      logger.error({ reason: error.message }, 'git push is unavailable: the hook socket could not start'),
    );
  const ssh = new SshGitServer(git, sshKeyLookup(db), logger);
  if (config.sshPort !== null) {
    const hostKey = readOrCreateHostKey(join(config.dataDir, 'secrets', 'ssh_host_ed25519_key'));
    // The panel (and HTTP pushes) stay useful when the SSH port cannot be opened.
    await ssh
      .listen(config.sshPort, config.panelHost, hostKey)
      .catch((error: Error) =>
        logger.error({ port: config.sshPort, reason: error.message }, 'the SSH git remote is not listening'),
      );
  }
  return {
    git,
    close: async () => {
      await ssh.close();
      await git.close();
    },
  };
}
