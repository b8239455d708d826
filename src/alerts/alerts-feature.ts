/**
 * Assembles alerts and notifications: evaluates the rules every `checkIntervalMs` and sends what is due
 * (a pass at most every DISPATCH_INTERVAL_MS, so retries go out on time), and gives the HTTP layer one
 * object for channels, rules, alerts and history.
 */
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime/runtime.js';
import type { HostResolver } from '../source/host-check.js';
import { evaluateRules, type EvaluationResult } from './alert-engine.js';
import {
  RULE_DESCRIPTIONS,
  RULE_KINDS,
  type Alert,
  type AlertRule,
  type Delivery,
  type RuleKind,
} from './alert.types.js';
import { findDelivery, listAlerts, listDeliveries, listRules, pruneHistory, saveRule } from './alerts.repository.js';
import { ChannelsService } from './channels.service.js';
import { Dispatcher } from './dispatcher.js';
import { ServerMail } from './server-mail.js';
import type { MetricsReader } from './metrics-port.js';
import { containerRules } from './rules/container-rules.js';
import type { RuleContext } from './rules/rule-context.js';

const DISPATCH_INTERVAL_MS = 2_000;
/** The history (deliveries, resolved alerts) is kept this long; pruned at most once an hour. */
export const HISTORY_KEPT_MS = 90 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export interface AlertsDeps {
  db: Db;
  runtime: RuleContext['runtime'] & Pick<Runtime, 'state'>;
  secretBox: SecretBox;
  logger: Logger;
  dataDir: string;
  panelDomain: string | undefined;
  panelUrl: string;
  allowPrivateDestinations: boolean;
  checkIntervalMs: number;
  metrics?: MetricsReader;
  retryBaseMs?: number;
  resolver?: HostResolver;
}

export class AlertsFeature {
  readonly channels: ChannelsService;
  readonly dispatcher: Dispatcher;
  /** Mail that is not an alert (invitations), through the oldest server-wide email channel. */
  readonly serverMail: ServerMail;
  private readonly ctx: RuleContext;
  private readonly containers = containerRules();
  private evaluating: Promise<EvaluationResult> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private prunedAt = 0;

  constructor(private readonly deps: AlertsDeps) {
    const policy = { allowPrivate: deps.allowPrivateDestinations };
    this.channels = new ChannelsService({ db: deps.db, secretBox: deps.secretBox, policy, resolver: deps.resolver });
    this.serverMail = new ServerMail({ db: deps.db, secretBox: deps.secretBox, policy, resolver: deps.resolver });
    this.dispatcher = new Dispatcher(
      deps.db,
      deps.secretBox,
      { policy, panelUrl: deps.panelUrl, retryBaseMs: deps.retryBaseMs, resolver: deps.resolver },
      deps.logger,
    );
    this.ctx = {
      db: deps.db,
      runtime: deps.runtime,
      dataDir: deps.dataDir,
      certsDir: join(deps.dataDir, 'certs'),
      panelDomain: deps.panelDomain,
      metrics: deps.metrics,
      statfs: (path) => statfs(path),
      now: () => Date.now(),
    };
  }

  start(): void {
    if (this.timers.length > 0) return;
    const evaluate = setInterval(() => void this.evaluateNow().catch(() => undefined), this.deps.checkIntervalMs);
    const dispatch = setInterval(() => void this.dispatchNow(), DISPATCH_INTERVAL_MS);
    this.timers = [evaluate, dispatch];
    for (const timer of this.timers) timer.unref();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await Promise.allSettled([this.evaluating, this.dispatcher.runDue()]);
  }

  /** Evaluates every rule now, then sends what that queued. One evaluation at a time. */
  evaluateNow(): Promise<EvaluationResult> {
    this.evaluating ??= evaluateRules(this.ctx, this.containers, this.deps.logger)
      .then(async (result) => {
        await this.dispatchNow();
        if (Date.now() - this.prunedAt >= PRUNE_EVERY_MS) {
          this.prunedAt = Date.now();
          await pruneHistory(this.deps.db, new Date(Date.now() - HISTORY_KEPT_MS).toISOString());
        }
        return result;
      })
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error }, 'evaluating the alert rules failed');
        throw error;
      })
      .finally(() => (this.evaluating = undefined));
    return this.evaluating;
  }

  private async dispatchNow(): Promise<void> {
    await this.dispatcher
      .runDue()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'sending notifications failed'));
  }

  async sendTest(channelId: string): Promise<Delivery> {
    return this.dispatcher.sendTest(await this.channels.get(channelId));
  }

  rules(): Promise<AlertRule[]> {
    return listRules(this.deps.db);
  }

  /** Changes a rule's switch, threshold or window; the next evaluation applies it. */
  async updateRule(
    kind: string,
    patch: { enabled?: boolean; threshold?: number | null; windowSeconds?: number | null },
  ): Promise<AlertRule> {
    if (!(RULE_KINDS as readonly string[]).includes(kind)) throw new AppError('NOT_FOUND', `No alert rule ${kind}.`);
    const rule = (await this.rules()).find((r) => r.kind === kind)!;
    const hasThreshold = RULE_DESCRIPTIONS[kind as RuleKind].unit !== null;
    const next: AlertRule = {
      ...rule,
      ...(patch.enabled !== undefined && { enabled: patch.enabled }),
      ...(hasThreshold && patch.threshold != null && { threshold: patch.threshold }),
      ...(rule.windowSeconds !== null && patch.windowSeconds != null && { windowSeconds: patch.windowSeconds }),
    };
    const problems: Record<string, string> = {};
    if (hasThreshold && (next.threshold === null || !(next.threshold > 0) || next.threshold > 100_000))
      problems.threshold = 'must be a number above 0';
    if ((kind === 'disk_usage' || kind.endsWith('_high') || kind === 'http_5xx_rate') && (next.threshold ?? 0) > 100)
      problems.threshold = 'is a percentage (at most 100)';
    if (
      next.windowSeconds !== null &&
      (!Number.isInteger(next.windowSeconds) || next.windowSeconds < 10 || next.windowSeconds > 86_400)
    )
      problems.windowSeconds = 'must be whole seconds from 10 to 86400';
    if (Object.keys(problems).length > 0)
      throw new AppError(
        'VALIDATION_FAILED',
        `The rule is not valid (${Object.entries(problems)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ')}).`,
        { details: problems },
      );
    await saveRule(this.deps.db, next);
    return next;
  }

  alerts(status?: Alert['status'], limit = 100): Promise<Alert[]> {
    return listAlerts(this.deps.db, { status, limit });
  }

  history(channelId?: string, limit = 100): Promise<Delivery[]> {
    return listDeliveries(this.deps.db, { channelId, limit });
  }

  async delivery(id: string): Promise<Delivery> {
    const found = await findDelivery(this.deps.db, id);
    if (!found) throw new AppError('NOT_FOUND', `No delivery ${id}.`);
    return found;
  }
}
