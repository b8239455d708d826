/**
 * Which code a deploy of a service will build, decided before it is queued and shown to the user.
 *
 * A git service can receive code two ways: its repository URL, and pushes to Berth's own git remote.
 * The rule: the newest one the user gave Berth wins. After an accepted push to the deploy branch, a deploy
 * builds that pushed commit until code comes from the URL again (a webhook from the git host, or a deploy
 * asked for explicitly with `source: "url"`). Otherwise it builds the URL's branch tip, fetched when the
 * deploy starts. So "Deploy now" never silently replaces a pushed commit with the URL's older tip.
 */
import { AppError } from '../errors.js';
import type { AppService, Project } from '../projects/service.types.js';
import type { DeployDeps } from './deploy-context.js';
import type { BuiltFrom } from './deployment.types.js';
import { findLatestOrigin } from './deployments.repository.js';

export interface SourcePlan {
  builtFrom: BuiltFrom;
  /** The exact commit, when known before the deploy starts; null: the branch tip, fetched when it starts. */
  commit: { sha: string; message: string | null; author: string | null } | null;
  branch: string | null;
  image: string | null;
  /** In words, for the panel next to the Deploy button. */
  description: string;
}

export async function planSource(
  deps: Pick<DeployDeps, 'db' | 'pushed'>,
  found: { service: AppService; project: Project },
  requested?: 'url' | 'push',
): Promise<SourcePlan> {
  const { service, project } = found;
  const source = service.source;
  if (source.type === 'image') {
    if (requested) throw new AppError('VALIDATION_FAILED', `An image service has no ${requested} source.`);
    return {
      builtFrom: 'image',
      commit: null,
      branch: null,
      image: source.image,
      description: `image ${source.image}`,
    };
  }
  if (source.type === 'git' && requested !== 'push') {
    const latest = requested === 'url' ? undefined : await findLatestOrigin(deps.db, service.id);
    if (latest?.builtFrom !== 'push') return urlPlan(source.branch);
  }
  if (source.type === 'push' && requested === 'url') {
    throw new AppError('VALIDATION_FAILED', 'This service is deployed by git push only; it has no repository URL.');
  }
  const tip = await deps.pushed?.branchTip(project.name, service.name, source.branch, service.id);
  if (!tip) {
    // Nothing pushed (or the repository is gone): a git service builds its URL; a push service fails saying why.
    if (source.type === 'git' && !requested) return urlPlan(source.branch);
    return {
      builtFrom: 'push',
      commit: null,
      branch: source.branch,
      image: null,
      description: `nothing pushed to ${source.branch} yet`,
    };
  }
  const commit = await deps.pushed!.describeCommit(project.name, service.name, tip).catch(() => ({
    sha: tip,
    message: null,
    author: null,
  }));
  const title = commit.message?.split('\n')[0] ?? '';
  return {
    builtFrom: 'push',
    commit,
    branch: source.branch,
    image: null,
    description: `pushed commit ${tip.slice(0, 7)}${title ? ` "${title.slice(0, 60)}"` : ''} (${source.branch})`,
  };
}

function urlPlan(branch: string): SourcePlan {
  return {
    builtFrom: 'url',
    commit: null,
    branch,
    image: null,
    description: `the tip of ${branch} from the repository URL, fetched when the deploy starts`,
  };
}
