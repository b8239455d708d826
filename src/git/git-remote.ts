/**
 * The built-in git remote, assembled: bare repositories, one-time push sessions, the hook socket and the
 * push receiver. The HTTP route and the SSH server both go through `openRepository` and `gitEnvFor`,
 * so they share the same path allow-list, permission check and push handling.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../lib/secrets.js';
import type { User } from '../auth/users.repository.js';
import type { Db } from '../db/connection.js';
import type { DeploySystem } from '../deploys/deploy-system.js';
import type { Logger } from '../logger.js';
import { findProjectByName } from '../projects/projects.repository.js';
import { listAppServicesOfProject } from '../projects/services.repository.js';
import type { AppService } from '../projects/service.types.js';
import { deployBranchOf } from './deploy-branch.js';
import { HookSocket } from './hook-socket.js';
import { PushedSources } from './pushed-source.js';
import { PushReceiver, type PreviewPushes } from './push-receiver.js';
import { PushSessions, type PushOrigin } from './push-sessions.js';
import type { AuditRecorder } from '../audit/audit-log.js';
import { RepoStore } from './repo-store.js';

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

export interface OpenRepository {
  projectName: string;
  service: AppService;
  path: string;
  /** PATH_INFO-style path relative to the repos root: `/<project>/<service>.git`. */
  relativePath: string;
}

/**
 * Where the hook socket lives: in the data dir, unless that path is too long for a unix socket (about
 * 107 bytes); then in the temp dir under a name derived from the data dir. Its 0600 mode guards it either way.
 */
function hookSocketPath(dataDir: string): string {
  const inDataDir = join(dataDir, 'run', 'git-hook.sock');
  if (Buffer.byteLength(inDataDir) <= 100) return inDataDir;
  return join(tmpdir(), `berth-git-hook-${sha256Hex(dataDir).slice(0, 16)}.sock`);
}

/**
 * Who may use a service's remote: fetch needs read on its project, push (which deploys) needs deploy.
 * The same permission table as every route (src/auth/access-policy.ts).
 */
export function gitPermission(verb: 'receive-pack' | 'upload-pack'): 'project.deploy' | 'project.read' {
  return verb === 'receive-pack' ? 'project.deploy' : 'project.read';
}

export class GitRemote {
  private readonly sessions = new PushSessions();
  private readonly hooks: HookSocket;
  private readonly receiver: PushReceiver;

  constructor(
    private readonly db: Db,
    dataDir: string,
    readonly repos: RepoStore,
    readonly sources: PushedSources,
    deploys: DeploySystem,
    logger: Logger,
    /** Where every push is recorded (who, from where, which refs, accepted or not). */
    audit?: AuditRecorder,
  ) {
    const receiver = new PushReceiver(deploys, this.sources, audit);
    this.receiver = receiver;
    this.hooks = new HookSocket(hookSocketPath(dataDir), this.sessions, receiver, logger);
  }

  /** Branch pushes make previews once the previews feature exists (it is composed after the remote starts). */
  usePreviews(previews: PreviewPushes): void {
    this.receiver.previews = previews;
  }

  async start(nodePath: string): Promise<void> {
    this.repos.prepare(nodePath);
    await this.hooks.listen();
  }

  close(): Promise<void> {
    return this.hooks.close();
  }

  /** The repository of an app service, created on first use; undefined for names that are not one. */
  async openRepository(projectName: string, serviceName: string): Promise<OpenRepository | undefined> {
    if (!NAME.test(projectName) || !NAME.test(serviceName)) return undefined;
    const project = await findProjectByName(this.db, projectName);
    if (!project) return undefined;
    const service = (await listAppServicesOfProject(this.db, project.id)).find((s) => s.name === serviceName);
    if (!service) return undefined;
    const path = await this.repos.ensure(projectName, serviceName, deployBranchOf(service), service.id);
    return { projectName, service, path, relativePath: `/${projectName}/${serviceName}.git` };
  }

  /**
   * The environment for one git server process. For receive-pack it carries a fresh one-time push token
   * and the hook socket's path; `close` invalidates the token when the process ends.
   */
  gitEnvFor(
    repo: OpenRepository,
    command: 'upload-pack' | 'receive-pack',
    user: Pick<User, 'email'> & { id?: string },
    origin?: PushOrigin,
  ): { env: Record<string, string>; close: () => void } {
    const env = this.repos.gitEnv();
    if (command === 'upload-pack') return { env, close: () => {} };
    const session = this.sessions.open({
      serviceId: repo.service.id,
      projectName: repo.projectName,
      serviceName: repo.service.name,
      repoPath: repo.path,
      pushedBy: user.email,
      pushedById: user.id,
      origin,
    });
    return {
      env: { ...env, BERTH_PUSH_TOKEN: session.token, BERTH_HOOK_SOCKET: this.hooks.path },
      close: session.close,
    };
  }
}
