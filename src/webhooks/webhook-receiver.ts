/**
 * Turns signed webhooks from git hosts, and calls of the generic deploy hook, into deployments. Order:
 * the service exists → the signature (or token) is right (401 otherwise, nothing recorded: an unsigned
 * request must not fill the log) → the delivery is recorded once per delivery id (a redelivery answers
 * with the first outcome and deploys nothing) → only a push to the configured branch deploys: the branch's
 * tip, fetched (through the usual SSRF-guarded git fetch) when the deployment starts, never the body's commit,
 * and never a commit the service already runs or ran before (src/deploys/webhook-guard.ts). A pull/merge
 * request event goes to the project's previews (pull-request-hook.ts).
 */
import type { Db } from '../db/connection.js';
import { watchPathsSkipReason } from '../repo-config/watch-paths.js';
import type { DeploySystem } from '../deploys/deploy-system.js';
import { AppError } from '../errors.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Logger } from '../logger.js';
import { recordDelivery, settleDelivery } from './deliveries.js';
import { announcedPush } from './push-payloads.js';
import { announcedPullRequest } from '../previews/pull-request-events.js';
import { previewForPullRequest, type PullRequestPreviews } from './pull-request-hook.js';
import { hookSecretsOf } from './service-hooks.js';
import { deliveryIdOf, detectProvider, eventOf, isSignedBy, sameSecret } from './signatures.js';
import { requireService } from '../projects/service-catalog.js';

export interface HookOutcome {
  outcome: string;
  deploymentId: string | null;
  duplicate: boolean;
}

type Headers = Record<string, string | string[] | undefined>;

export class WebhookReceiver {
  constructor(
    private readonly deps: {
      db: Db;
      secretBox: SecretBox;
      deploys: DeploySystem;
      logger: Logger;
      previews?: PullRequestPreviews;
    },
  ) {}

  private async serviceOf(serviceId: string) {
    return (await requireService(this.deps.deploys.deps.catalog, serviceId)).service;
  }

  async receiveGitEvent(serviceId: string, headers: Headers, body: Buffer): Promise<HookOutcome> {
    const service = await this.serviceOf(serviceId);
    const provider = detectProvider(headers);
    if (!provider) {
      throw new AppError(
        'VALIDATION_FAILED',
        'Unknown sender: expected a GitHub, GitLab, Gitea/Forgejo or Bitbucket webhook.',
      );
    }
    const { webhookSecret } = await hookSecretsOf(this.deps, serviceId);
    if (!isSignedBy(provider, headers, body, webhookSecret)) {
      this.deps.logger.warn({ serviceId, provider }, 'webhook with a missing or wrong signature refused');
      throw new AppError(
        'UNAUTHENTICATED',
        'The webhook signature is missing or does not match the secret Berth shows for this service.',
      );
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      throw new AppError(
        'VALIDATION_FAILED',
        'The webhook body is not JSON (set the content type to application/json).',
      );
    }
    const event = eventOf(provider, headers);
    const push = announcedPush(provider, event, payload);
    const request = this.deps.previews ? announcedPullRequest(provider, event, payload) : undefined;
    const { delivery, isDuplicate } = await recordDelivery(this.deps.db, serviceId, {
      provider,
      deliveryId: deliveryIdOf(provider, headers, body),
      event,
      branch: (push ?? request)?.branch.slice(0, 255) ?? null,
      commitSha: (push ?? request)?.sha ?? null,
      outcome: 'received',
    });
    if (isDuplicate) return { outcome: delivery.outcome, deploymentId: delivery.deploymentId, duplicate: true };

    const settle = async (outcome: string, deploymentId: string | null = null): Promise<HookOutcome> => {
      await settleDelivery(this.deps.db, delivery.id, outcome, deploymentId);
      return { outcome, deploymentId, duplicate: false };
    };
    if (request && this.deps.previews) {
      const result = await previewForPullRequest(
        this.deps.previews,
        this.deps.deploys,
        service,
        request,
        `${provider} webhook`,
      );
      return settle(result.outcome, result.deploymentId);
    }
    if (!push) return settle(`ignored: not a branch push (${event})`);
    if (service.source.type !== 'git') {
      return settle(`ignored: a ${service.source.type} service is not fetched from a git host`);
    }
    if (push.branch !== service.source.branch) return settle(`ignored: Berth deploys ${service.source.branch}`);
    const unwatched = await watchPathsSkipReason(this.deps.db, serviceId, payload);
    if (unwatched) {
      this.deps.logger.info({ serviceId, sha: push.sha }, 'webhook push skipped by watch paths');
      return settle(`ignored: ${unwatched}`);
    }
    // A signed body can be captured and re-sent under a new delivery id: its commit is only a hint. One the
    // service already runs or ran before is skipped; otherwise the deploy fetches the branch's tip itself.
    const running = await this.deps.deploys.runningCommitIfNotNewer(serviceId, push.sha);
    if (running) {
      return settle(
        running === push.sha
          ? `ignored: ${push.sha.slice(0, 12)} is already running`
          : `ignored: ${push.sha.slice(0, 12)} is older than the running ${running.slice(0, 12)}`,
      );
    }
    const deployment = await this.deps.deploys.deployCommit(serviceId, 'webhook', `${provider} webhook`, undefined);
    return settle('deployed', deployment.id);
  }

  /** The generic deploy hook: a deploy of the branch tip (or of `commit`) for anyone holding the token. */
  async receiveDeployHook(
    serviceId: string,
    token: string | undefined,
    commit: string | undefined,
  ): Promise<HookOutcome> {
    await this.serviceOf(serviceId);
    const { deployToken } = await hookSecretsOf(this.deps, serviceId);
    if (!token || !sameSecret(token, deployToken)) {
      throw new AppError('UNAUTHENTICATED', 'The deploy hook token is missing or wrong.');
    }
    if (commit !== undefined && !/^[0-9a-f]{40}$/.test(commit)) {
      throw new AppError('VALIDATION_FAILED', 'commit must be a full 40-character sha.', {
        details: { commit: 'invalid' },
      });
    }
    const deployment = await this.deps.deploys.deployCommit(serviceId, 'webhook', 'deploy hook', commit);
    const { delivery } = await recordDelivery(this.deps.db, serviceId, {
      provider: 'deploy-hook',
      deliveryId: deployment.id,
      event: 'deploy',
      branch: null,
      commitSha: commit ?? null,
      outcome: 'deployed',
    });
    await settleDelivery(this.deps.db, delivery.id, 'deployed', deployment.id);
    return { outcome: 'deployed', deploymentId: deployment.id, duplicate: false };
  }
}
