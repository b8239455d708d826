/**
 * A signed pull/merge request event for a git-URL service, when its project has previews (src/previews/):
 * opened or updated → the preview of the request's branch is created or updated and its apps deploy (the
 * request's head commit when the payload names it, else the branch tip, fetched as usual); closed → the
 * preview is removed. The outcome says in words what happened, with the preview URLs, for the delivery log.
 * An event whose head commit the preview already runs (or deploys, or ran before) redeploys nothing.
 */
import type { DeploySystem } from '../deploys/deploy-system.js';
import { isAppError } from '../errors.js';
import type { PreviewsFeature } from '../previews/previews-feature.js';
import type { AnnouncedPullRequest } from '../previews/pull-request-events.js';
import { decideRequestDeploy } from '../previews/pull-request-replay.js';
import type { AppService } from '../projects/service.types.js';

export type PullRequestPreviews = Pick<PreviewsFeature, 'prepare' | 'removeBranch' | 'appOf'>;

export async function previewForPullRequest(
  previews: PullRequestPreviews,
  deploys: DeploySystem,
  service: AppService,
  request: AnnouncedPullRequest,
  by: string,
): Promise<{ outcome: string; deploymentId: string | null }> {
  const ignored = (why: string) => ({ outcome: `ignored: ${why}`, deploymentId: null });
  if (service.source.type !== 'git') return ignored(`a ${service.source.type} service's previews come from git push`);
  const branch = request.branch;
  if (request.action === 'closed') {
    try {
      const done = await previews.removeBranch(service.projectId, branch);
      return done
        ? { outcome: `preview of ${branch} removed (pull request #${request.number} closed)`, deploymentId: null }
        : ignored(`no preview of ${branch} to remove`);
    } catch (error) {
      if (!isAppError(error)) throw error;
      return { outcome: `preview of ${branch} not removed: ${error.message}`, deploymentId: null };
    }
  }
  // A replayed delivery (or the same head commit again) must not redeploy: see pull-request-replay.ts.
  const existing = await previews.appOf(service.projectId, branch, service.name);
  const decision = decideRequestDeploy(request, existing && (await deploys.list(existing.id)));
  if (!decision.deploy) return ignored(`preview of ${branch} not redeployed: ${decision.why}`);
  let prepared;
  try {
    prepared = await previews.prepare({
      projectId: service.projectId,
      serviceId: service.id,
      branch,
      triggeredBy: by,
      fromFork: request.fromFork,
    });
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { outcome: `refused: ${error.message}`, deploymentId: null };
  }
  if (!prepared) return ignored('previews are off for this project');
  try {
    const deployment = await deploys.deployCommit(prepared.target.id, 'webhook', by, request.sha ?? undefined);
    for (const companion of prepared.companions) {
      await deploys.deployCommit(companion.id, 'webhook', by, companion.sha);
    }
    const urls = prepared.urls.map((u) => u.url).join(' ');
    return {
      outcome: `preview of ${branch} ${prepared.created ? 'created' : 'updated'}, deploying: ${urls}`.slice(0, 1000),
      deploymentId: deployment.id,
    };
  } finally {
    await prepared.finish();
  }
}
