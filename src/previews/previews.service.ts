/**
 * Preview environments (issue 18): a branch of a production app, pushed to Berth's remote or named by a
 * pull request, gets its own environment of kind 'preview' — a duplicate of production's apps and
 * databases with the branch's app pinned to the pushed commit, each app container capped at the
 * project's preview memory — and a TTL that every new push extends. Deleting the branch, closing the
 * request, the TTL ending or the delete button removes it through the environment delete (containers,
 * routes, network, databases, volumes). The cap, the fork rule and the branch name are checked before
 * anything is made. Deployments are started by the caller (the push follows its build; a webhook does not).
 */
import { AppError } from '../errors.js';
import { nowIso } from '../lib/ids.js';
import { hostScopeOf, isProduction } from '../projects/environment-scope.js';
import { getProject } from '../projects/projects.service.js';
import { serviceUrl, type AppService } from '../projects/service.types.js';
import { listAppServicesOfProject, updateAppService } from '../projects/services.repository.js';
import type { PreviewsDeps } from './preview-ports.js';
import { previewNameFor } from './preview-names.js';
import { filePreviewSettings, readEffectiveSettings, type EffectivePreviewSettings } from './preview-effective.js';
import { mergeSettings, refuseFileFields, type PreviewSettings } from './preview-settings.js';
import { listPreviewRows, markPreview, readSettings, writeSettings, type PreviewRow } from './previews.repository.js';

export interface PreviewView extends PreviewRow {
  urls: Array<{ service: string; url: string }>;
}

/** A preview made or found for a push / request, ready for its deployments. */
export interface PreparedPreview {
  name: string;
  created: boolean;
  /** The copy of the pushed (or webhook's) service: deployed at the branch's commit. */
  target: { id: string; name: string };
  /** The other apps of a new preview, with the commit production runs when they are push-built. */
  companions: Array<{ id: string; name: string; sha: string | undefined }>;
  urls: Array<{ service: string; url: string }>;
  /** Extends the TTL (from now) and lets the sweeper and deletes at it again. */
  finish: () => Promise<void>;
}

export class PreviewsService {
  private readonly busy = new Set<string>();

  constructor(readonly deps: PreviewsDeps) {}

  /** The stored settings with the fields the production apps' berth.json sets on top (those win). */
  settings(projectId: string): Promise<EffectivePreviewSettings> {
    return readEffectiveSettings(this.deps.db, projectId);
  }

  async updateSettings(projectId: string, input: unknown): Promise<EffectivePreviewSettings> {
    await getProject(this.deps.db, projectId);
    refuseFileFields(input, await filePreviewSettings(this.deps.db, projectId));
    const next = mergeSettings(await readSettings(this.deps.db, projectId), input);
    await writeSettings(this.deps.db, projectId, next, nowIso());
    return readEffectiveSettings(this.deps.db, projectId);
  }

  async list(projectId: string): Promise<PreviewView[]> {
    const project = await getProject(this.deps.db, projectId);
    const apps = await listAppServicesOfProject(this.deps.db, projectId);
    return (await listPreviewRows(this.deps.db, projectId)).map((row) => ({
      ...row,
      urls: this.urlsOf(
        project.name,
        row.name,
        apps.filter((a) => a.environmentId === row.id),
      ),
    }));
  }

  private urlsOf(projectName: string, environmentName: string, apps: Array<Pick<AppService, 'name'>>) {
    const scope = hostScopeOf(projectName, environmentName);
    return apps.map((a) => ({ service: a.name, url: serviceUrl(a.name, scope, this.deps.urls) }));
  }

  /**
   * The preview of `branch` for a push to (or a request on) production service `serviceId`: created on
   * the first one, found afterwards. Undefined when the project has previews off. Refusals (bad branch,
   * cap reached, a fork's request, not a production service) are AppErrors whose message says why;
   * nothing is made then.
   */
  async prepare(input: {
    projectId: string;
    serviceId: string;
    branch: string;
    triggeredBy: string | null;
    fromFork?: boolean;
  }): Promise<PreparedPreview | undefined> {
    const { db } = this.deps;
    const settings = await readEffectiveSettings(db, input.projectId);
    if (!settings.enabled) return undefined;
    if (input.fromFork && !settings.allowForks) {
      throw new AppError('CONFLICT', 'previews of pull requests from forks are off for this project.');
    }
    const project = await getProject(db, input.projectId);
    const apps = await listAppServicesOfProject(db, input.projectId);
    const pushed = apps.find((a) => a.id === input.serviceId);
    const production = project.environments.find((e) => isProduction(e));
    if (!pushed || !production || pushed.environmentId !== production.id) {
      throw new AppError('CONFLICT', 'previews are made from production services only.');
    }
    const productionApps = apps.filter((a) => a.environmentId === production.id);
    const longest = productionApps.reduce((l, a) => (a.name.length > l.length ? a.name : l), '');
    const existing = (await listPreviewRows(db, input.projectId)).find((p) => p.branch === input.branch);
    const name = existing?.name ?? previewNameFor(input.branch, { service: longest, project: project.name });
    const key = `${input.projectId}/${name}`;
    if (this.busy.has(key)) {
      throw new AppError(
        'CONFLICT',
        `the preview of ${input.branch} is being changed already; try again when that is done.`,
      );
    }
    this.busy.add(key);
    try {
      const made = existing
        ? await this.found(existing, pushed, apps)
        : await this.create(input, settings, name, productionApps, pushed);
      const ttlMs = settings.ttlHours * this.deps.hourMs;
      await markPreview(db, made.environmentId, input.branch, new Date(Date.now() + ttlMs).toISOString());
      const inPreview = (await listAppServicesOfProject(db, input.projectId)).filter(
        (a) => a.environmentId === made.environmentId,
      );
      return {
        name,
        created: !existing,
        target: made.target,
        companions: made.companions,
        urls: this.urlsOf(project.name, name, inPreview),
        finish: async () => {
          this.busy.delete(key);
          await markPreview(db, made.environmentId, input.branch, new Date(Date.now() + ttlMs).toISOString());
        },
      };
    } catch (error) {
      this.busy.delete(key);
      throw error;
    }
  }

  private async found(existing: PreviewRow, pushed: AppService, apps: AppService[]) {
    const target = apps.find((a) => a.environmentId === existing.id && a.name === pushed.name);
    if (!target) throw new AppError('CONFLICT', `the preview ${existing.name} has no copy of ${pushed.name}.`);
    return { environmentId: existing.id, target: { id: target.id, name: target.name }, companions: [] };
  }

  private async create(
    input: { projectId: string; branch: string; triggeredBy: string | null },
    settings: PreviewSettings,
    name: string,
    productionApps: AppService[],
    pushed: AppService,
  ) {
    const { db } = this.deps;
    const count = (await listPreviewRows(db, input.projectId)).length;
    if (count >= settings.maxPreviews) {
      throw new AppError(
        'CONFLICT',
        `the project has ${count} preview(s), the most its preview settings allow (${settings.maxPreviews}). ` +
          'Delete one (or raise the limit) and push again.',
      );
    }
    const copy = await this.deps.environments.duplicate(
      input.projectId,
      'production',
      // A preview must not run production's cron jobs: they are copied paused (turn one on by hand if wanted).
      { name, databases: settings.databases, deploy: false, cron: 'paused' },
      input.triggeredBy,
    );
    const environmentId = copy.environment.id;
    try {
      await markPreview(db, environmentId, input.branch, nowIso());
      const copies = (await listAppServicesOfProject(db, input.projectId)).filter(
        (a) => a.environmentId === environmentId,
      );
      for (const app of copies) await this.pin(app, app.name === pushed.name ? input.branch : undefined, settings);
      const target = copies.find((a) => a.name === pushed.name)!;
      const companions = [];
      for (const app of copies.filter((a) => a.id !== target.id)) {
        const from = productionApps.find((p) => p.name === app.name);
        const sha = app.source.type === 'push' && from ? await this.deps.runningCommit(from.id) : undefined;
        companions.push({ id: app.id, name: app.name, sha });
      }
      // Its copies of the project's compose stacks start beside the apps, like the companions.
      for (const stack of copy.stacks) await this.deps.startStack?.(stack.id);
      return { environmentId, target: { id: target.id, name: target.name }, companions };
    } catch (error) {
      await this.deps.environments.remove(input.projectId, environmentId, { confirm: name }).catch(() => undefined);
      throw error;
    }
  }

  /** Points the copy at the branch (the pushed app) and caps its memory at the preview limit. */
  private async pin(app: AppService, branch: string | undefined, settings: PreviewSettings): Promise<void> {
    const source = branch && app.source.type !== 'image' ? { ...app.source, branch } : app.source;
    const memoryMb = Math.min(app.resources.memoryMb || settings.memoryMb, settings.memoryMb);
    await updateAppService(this.deps.db, app.id, {
      source,
      settings: {
        port: app.port,
        healthcheck: app.healthcheck,
        build: app.build,
        resources: { ...app.resources, memoryMb },
        replicas: app.replicas,
        releaseCommand: app.releaseCommand,
      },
      updatedAt: nowIso(),
    });
  }

  /** The copy of service `serviceName` in the preview of `branch`, or undefined (no preview, or no such copy). */
  async appOf(projectId: string, branch: string, serviceName: string): Promise<{ id: string } | undefined> {
    const preview = (await listPreviewRows(this.deps.db, projectId)).find((p) => p.branch === branch);
    if (!preview) return undefined;
    const apps = await listAppServicesOfProject(this.deps.db, projectId);
    const copy = apps.find((a) => a.environmentId === preview.id && a.name === serviceName);
    return copy && { id: copy.id };
  }

  /** Removes the preview of `branch` completely; undefined when the branch has none. */
  async removeBranch(projectId: string, branch: string): Promise<string[] | undefined> {
    const preview = (await listPreviewRows(this.deps.db, projectId)).find((p) => p.branch === branch);
    return preview && this.removePreview(preview);
  }

  /** The delete button / API: removes the preview named `name` (a preview environment only). */
  async remove(projectId: string, name: string): Promise<string[]> {
    const preview = (await listPreviewRows(this.deps.db, projectId)).find((p) => p.name === name || p.id === name);
    if (!preview) throw new AppError('NOT_FOUND', `The project has no preview "${name.slice(0, 63)}".`);
    return this.removePreview(preview);
  }

  async removePreview(preview: PreviewRow, { skipBusy = false } = {}): Promise<string[]> {
    const key = `${preview.projectId}/${preview.name}`;
    if (this.busy.has(key)) {
      if (skipBusy) return [];
      throw new AppError(
        'CONFLICT',
        `The preview of ${preview.branch} is being deployed; try again when that is done.`,
      );
    }
    this.busy.add(key);
    try {
      const done = await this.deps.environments.remove(preview.projectId, preview.id, { confirm: preview.name });
      this.deps.logger.info({ projectId: preview.projectId, preview: preview.name }, 'preview removed');
      return done;
    } finally {
      this.busy.delete(key);
    }
  }
}
