/**
 * Decides a push (called by the pre-receive hook through the hook socket). A push to the service's deploy
 * branch deploys that exact commit and streams the deployment log back; the exit status it returns
 * accepts (0) or rejects (1) the whole push, so a failed build or health check leaves the ref where it was
 * and the old version serving. Other branches are stored without deploying; deletions are allowed. When the
 * project has previews on (src/previews/), another branch's push creates or updates its preview environment
 * and follows that deployment the same way (a failed preview build rejects the push), and deleting the
 * branch removes its preview.
 */
import type { AuditRecorder } from '../audit/audit-log.js';
import type { AuditChanges } from '../audit/audit-redact.js';
import type { DeploySystem } from '../deploys/deploy-system.js';
import { ACTIVE_PHASES } from '../deploys/deployment.types.js';
import { afterFailureWords, isOtherVersionServing } from '../deploys/serving-words.js';
import { validateBranch } from '../source/source-validation.js';
import type { PushedSources } from './pushed-source.js';
import type { PushSession } from './push-sessions.js';
import { deployBranchOf } from './deploy-branch.js';
import { isAppError } from '../errors.js';
import type { PreviewsFeature } from '../previews/previews-feature.js';

/** What the push receiver uses of previews (set once the panel is composed). */
export type PreviewPushes = Pick<PreviewsFeature, 'prepare' | 'removeBranch'>;

const ZERO = /^0{40}$/;
const SHA = /^[0-9a-f]{40}$/;

export interface RefUpdate {
  oldSha: string;
  newSha: string;
  ref: string;
}

export function parseUpdates(raw: unknown): RefUpdate[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 1000) return undefined;
  const updates: RefUpdate[] = [];
  for (const item of raw as Array<Record<string, unknown>>) {
    const { oldSha, newSha, ref } = item ?? {};
    if (typeof oldSha !== 'string' || typeof newSha !== 'string' || typeof ref !== 'string') return undefined;
    if (!SHA.test(oldSha) || !SHA.test(newSha) || !/^refs\/[\x21-\x7e]{1,240}$/.test(ref)) return undefined;
    updates.push({ oldSha, newSha, ref });
  }
  return updates;
}

export class PushReceiver {
  previews: PreviewPushes | undefined;

  constructor(
    private readonly deploys: DeploySystem,
    private readonly sources: PushedSources,
    private readonly audit?: AuditRecorder,
  ) {}

  /** Decides the push, then records it in the audit log (refs, who, from where, accepted or rejected). */
  async receive(
    session: PushSession,
    updates: RefUpdate[],
    quarantinePath: string | null,
    say: (line: string) => void,
    signal: AbortSignal,
  ): Promise<number> {
    let code = 1;
    let reason: string | undefined;
    const sayAndKeep = (line: string) => {
      reason = line;
      say(line);
    };
    try {
      code = await this.decide(session, updates, quarantinePath, sayAndKeep, signal);
      return code;
    } finally {
      await this.recordPush(session, updates, code, code === 0 ? undefined : reason);
    }
  }

  private async recordPush(session: PushSession, updates: RefUpdate[], code: number, reason?: string): Promise<void> {
    if (!this.audit) return;
    const found = await this.deploys.deps.catalog.findService(session.serviceId).catch(() => undefined);
    const short = (sha: string) => (ZERO.test(sha) ? undefined : sha.slice(0, 12));
    const changes: AuditChanges = {};
    for (const u of updates.slice(0, 50)) changes[u.ref] = { before: short(u.oldSha), after: short(u.newSha) };
    const via = session.origin?.via ?? 'git';
    await this.audit.record({
      actor: { kind: 'git-push', userId: session.pushedById, email: session.pushedBy },
      action: 'git.push',
      object: { type: 'service', id: session.serviceId, name: `${session.projectName}/${session.serviceName}` },
      projectId: found?.project.id,
      address: session.origin?.address,
      outcome: code === 0 ? 'success' : 'failure',
      detail: `over ${via}${session.origin?.keyId ? ` (key ${session.origin.keyId})` : ''}${reason ? `: ${reason}` : ''}`,
      changes,
    });
  }

  private async decide(
    session: PushSession,
    updates: RefUpdate[],
    quarantinePath: string | null,
    say: (line: string) => void,
    signal: AbortSignal,
  ): Promise<number> {
    const found = await this.deploys.deps.catalog.findService(session.serviceId);
    if (!found) {
      say('This service no longer exists.');
      return 1;
    }
    const deployBranch = deployBranchOf(found.service);
    const deployRef = `refs/heads/${deployBranch}`;
    for (const update of updates) {
      if (update.ref === deployRef) continue;
      const name = update.ref.replace(/^refs\/(heads|tags)\//, '');
      if (update.ref.startsWith('refs/heads/')) {
        try {
          validateBranch(name);
        } catch {
          say(`Rejected: "${name}" is not a branch name Berth accepts.`);
          return 1;
        }
        const previewed = await this.preview(session, found.project.id, name, update, quarantinePath, say, signal);
        if (previewed === 1) return 1;
        if (previewed === 0) continue;
      }
      say(
        ZERO.test(update.newSha) ? `Deleted ${name}.` : `Stored ${name}; not deployed (Berth deploys ${deployBranch}).`,
      );
    }
    const deploy = updates.find((u) => u.ref === deployRef);
    if (!deploy) return 0;
    if (ZERO.test(deploy.newSha)) {
      say(`Deleted ${deployBranch}; the running version keeps serving.`);
      return 0;
    }
    const release = this.sources.holdQuarantine(session.repoPath, deploy.newSha, quarantinePath);
    try {
      return await this.deployAndFollow(session, session.serviceId, deploy.newSha, say, signal);
    } finally {
      release();
    }
  }

  /**
   * A branch push or deletion when previews may be on: 0 or 1 when the preview decided the push (accepted,
   * rejected), undefined when the project has no preview for it (the branch is just stored or deleted).
   */
  private async preview(
    session: PushSession,
    projectId: string,
    branch: string,
    update: RefUpdate,
    quarantinePath: string | null,
    say: (line: string) => void,
    signal: AbortSignal,
  ): Promise<number | undefined> {
    if (!this.previews) return undefined;
    if (ZERO.test(update.newSha)) {
      const done = await this.previews.removeBranch(projectId, branch);
      if (!done) return undefined;
      for (const line of done) say(line);
      say(`Deleted ${branch} and removed its preview.`);
      return 0;
    }
    let prepared;
    try {
      prepared = await this.previews.prepare({
        projectId,
        serviceId: session.serviceId,
        branch,
        triggeredBy: session.pushedBy,
      });
    } catch (error) {
      if (!isAppError(error)) throw error;
      say(`Preview refused: ${error.message} Nothing was created.`);
      return 1;
    }
    if (!prepared) return undefined;
    say(`${prepared.created ? 'Creating' : 'Updating'} the preview of ${branch} (environment ${prepared.name})`);
    const release = this.sources.holdQuarantine(session.repoPath, update.newSha, quarantinePath);
    try {
      // The other apps of a new preview start beside it (production's versions), whatever this build does.
      for (const companion of prepared.companions) {
        const started = await this.deploys.deployCommit(companion.id, 'api', session.pushedBy, companion.sha);
        say(`Deploying ${companion.name} into the preview (deployment ${started.id})`);
      }
      const code = await this.deployAndFollow(session, prepared.target.id, update.newSha, say, signal);
      if (code !== 0) return code;
      for (const { service, url } of prepared.urls) say(`Preview of ${branch}: ${service} at ${url}`);
      return 0;
    } finally {
      release();
      await prepared.finish();
    }
  }

  private async deployAndFollow(
    session: PushSession,
    serviceId: string,
    sha: string,
    say: (line: string) => void,
    signal: AbortSignal,
  ): Promise<number> {
    const deployment = await this.deploys.deployCommit(serviceId, 'push', session.pushedBy, sha);
    say(`Deploying ${sha.slice(0, 12)} (deployment ${deployment.id})`);
    // A push whose connection went away must not go live behind the user's back: git will not update the ref.
    const onAbort = () => void this.deploys.cancel(deployment.id).catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      let status = deployment.status;
      let saidWaiting = false;
      while (status === 'queued') {
        // Queued also for the moment before the queue starts it: only say "waits" when another one runs.
        const running = this.deploys.queue.runningDeploymentOf(serviceId);
        if (!saidWaiting && running !== undefined && running !== deployment.id) {
          say('Another deployment of this service is running; this one waits for it.');
          saidWaiting = true;
        }
        await new Promise((r) => setTimeout(r, 200));
        status = (await this.deploys.get(deployment.id)).status;
      }
      await this.deploys.logs.follow(deployment.id, (line) => say(line), signal);
      let final = await this.deploys.get(deployment.id);
      for (let i = 0; i < 50 && (ACTIVE_PHASES as readonly string[]).includes(final.status); i++) {
        await new Promise((r) => setTimeout(r, 100));
        final = await this.deploys.get(deployment.id);
      }
      if (final.status === 'active') return 0;
      say(`Push rejected: deployment ${final.status}${final.error ? `: ${final.error}` : ''}`);
      const isServing = await isOtherVersionServing(this.deploys.deps.db, serviceId, deployment.id);
      say(`${afterFailureWords(isServing)} The branch was not updated.`);
      return 1;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
