/**
 * The bare repositories of the built-in git remote: `<data dir>/repos/<project>/<service>.git`, created on
 * first use. Paths are built only from project and service names that passed the name allow-list and were
 * found in the database, never from the request path itself.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseGitEnv, runGit } from './git-process.js';
import { installHook } from './pre-receive-hook.js';

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const BRANCH_REF = /^refs\/heads\/[A-Za-z0-9._/-]{1,200}$/;

export class RepoStore {
  readonly root: string;
  readonly hooksDir: string;
  /** Creations in flight, so two pushes racing to create one repository do not both run `git init`. */
  private readonly creating = new Map<string, Promise<string>>();

  constructor(dataDir: string) {
    this.root = join(dataDir, 'repos');
    this.hooksDir = join(this.root, '.hooks');
  }

  /** Creates the root and (re)writes the shared hook. Called once at start. */
  prepare(nodePath: string): void {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    installHook(this.hooksDir, nodePath);
  }

  pathOf(projectName: string, serviceName: string): string {
    if (!NAME.test(projectName) || !NAME.test(serviceName)) throw new Error('invalid repository name');
    return join(this.root, projectName, `${serviceName}.git`);
  }

  gitEnv(): Record<string, string> {
    return baseGitEnv(this.root);
  }

  /** Whether this service (not a deleted one of the same name) has a repository. */
  belongsTo(projectName: string, serviceName: string, serviceId: string): boolean {
    const owner = join(this.pathOf(projectName, serviceName), 'berth-service-id');
    return existsSync(owner) && readFileSync(owner, 'utf8').trim() === serviceId;
  }

  /**
   * The bare repository of a service, created (with HEAD on its deploy branch) when missing. A repository
   * left by a deleted service of the same name is removed first: a new service never inherits old code.
   */
  async ensure(projectName: string, serviceName: string, deployBranch: string, serviceId: string): Promise<string> {
    const path = this.pathOf(projectName, serviceName);
    const owner = join(path, 'berth-service-id');
    if (existsSync(join(path, 'HEAD'))) {
      if (existsSync(owner) && readFileSync(owner, 'utf8').trim() === serviceId) return path;
      if (!this.creating.has(path)) rmSync(path, { recursive: true, force: true });
    }
    const pending = this.creating.get(path);
    if (pending) return pending;
    const creation = this.create(path, deployBranch)
      .then((created) => {
        writeFileSync(owner, `${serviceId}\n`, { mode: 0o600 });
        return created;
      })
      .finally(() => this.creating.delete(path));
    this.creating.set(path, creation);
    return creation;
  }

  private async create(path: string, deployBranch: string): Promise<string> {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    const env = this.gitEnv();
    const head = `refs/heads/${deployBranch}`;
    await runGit(
      ['init', '--quiet', '--bare', `--initial-branch=${BRANCH_REF.test(head) ? deployBranch : 'main'}`, path],
      env,
    );
    const set = (key: string, value: string) => runGit(['--git-dir', path, 'config', key, value], env);
    await set('core.hooksPath', this.hooksDir);
    // Authentication happens in Berth before git runs; http-backend would otherwise refuse pushes.
    await set('http.receivepack', 'true');
    await set('receive.fsckObjects', 'true');
    return path;
  }

  /** The commit a branch points at, or undefined. */
  async branchTip(
    projectName: string,
    serviceName: string,
    branch: string,
    serviceId: string,
  ): Promise<string | undefined> {
    if (!this.belongsTo(projectName, serviceName, serviceId)) return undefined;
    const path = this.pathOf(projectName, serviceName);
    const out = await runGit(
      ['--git-dir', path, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`],
      this.gitEnv(),
    ).catch(() => '');
    return out.trim() || undefined;
  }
}
