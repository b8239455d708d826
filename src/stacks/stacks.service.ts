/**
 * Compose stacks: create (checked before anything is stored), list, show, change variables, deploy (one
 * at a time per stack, in the background, its log kept on the row), delete (every container, the network,
 * built images, and the volumes when asked), and the routes of running stacks after a restart.
 */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Db } from '../db/connection.js';
import type { SourceFetcher } from '../deploys/ports.js';
import type { EventPublisher } from '../events/event-bus.js';
import { requireDockerScheduler, type SchedulerName } from '../config-scheduler.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import type { SecretBox } from '../lib/secret-box.js';
import { readContainedFile } from '../lib/contained-file.js';
import { redactSecrets, secretForms } from '../lib/redact.js';
import type { Logger } from '../logger.js';
import { defaultHostname, serviceUrl } from '../projects/service.types.js';
import { checkGitUrl } from '../source/source-validation.js';
import type { StackRef } from '../workloads/stack-spec.js';
import { checkCompose, MAX_COMPOSE_BYTES } from './compose-check.js';
import { withEnvFiles } from './compose-env-file.js';
import { deployStack, removeStackObjects, type StackDeployDeps } from './stack-deploy.js';
import { stackDefinition } from './stack-definition.js';
import { recoverStacks } from './stack-recovery.js';
import { checkRouted, checkSourceShape, checkStackName, checkVariables } from './stack-input.js';
import type { Stack, StackInput, StackVariable, StackView } from './stack.types.js';
import {
  deleteStackRow,
  findStackRow,
  insertStack,
  isNameTaken,
  listStackRows,
  projectNameOf,
  setStackStatus,
  toStack,
  updateStack,
} from './stacks.repository.js';

const MAX_LOG_CHARS = 200_000;

export interface StacksDeps extends StackDeployDeps {
  db: Db;
  /** BERTH_SCHEDULER: stacks run on Docker only (absent: docker). */
  scheduler?: SchedulerName;
  secretBox: SecretBox;
  logger: Logger;
  fetcher: SourceFetcher;
  appsDomain: string;
  httpPort: number;
  allowPrivateSources: boolean;
  /** Where a repository is checked out for a deploy (removed after). */
  buildsDir: string;
  /** Host folders a bind mount may use (default none). */
  allowedHostPaths: readonly string[];
  /** Where status changes are told (the panel's live pages); absent in some tests. */
  events?: EventPublisher;
  /** The stack's custom domains (the domains feature); a deleted stack's names stop routing. */
  domains?: { forgetStack(stackId: string): Promise<unknown> };
}

export class StacksService {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly deps: StacksDeps) {}

  async list(projectId: string): Promise<StackView[]> {
    return Promise.all(
      (await listStackRows(this.deps.db, projectId)).map((row) => this.view(toStack(row), row.variables)),
    );
  }

  async get(id: string): Promise<StackView> {
    const row = await findStackRow(this.deps.db, id);
    if (!row) throw new AppError('NOT_FOUND', 'No such stack.');
    return this.view(toStack(row), row.variables);
  }

  async deployLog(id: string): Promise<string> {
    const row = await findStackRow(this.deps.db, id);
    if (!row) throw new AppError('NOT_FOUND', 'No such stack.');
    return row.deploy_log;
  }

  /** The address a stack of that name in the project gets (templates fill BERTH_URL and BERTH_HOST with it). */
  async addressOf(projectId: string, name: string): Promise<{ url: string; host: string }> {
    const project = await projectNameOf(this.deps.db, projectId);
    if (project === undefined) throw new AppError('NOT_FOUND', 'No such project.');
    return { url: serviceUrl(name, project, this.deps), host: defaultHostname(name, project, this.deps.appsDomain) };
  }

  /** Checks pasted compose text with the given variables: problems (with lines) and notes, nothing stored. */
  check(compose: string, variables: Record<string, string>) {
    return checkCompose(compose, { variables, allowedHostPaths: this.deps.allowedHostPaths });
  }

  async create(projectId: string, body: Record<string, unknown>): Promise<StackView> {
    const input: StackInput = {
      name: checkStackName(body.name),
      source: checkSourceShape(body.source),
      ...(() => {
        const routed = checkRouted(body.routedService, body.routedPort);
        return { routedService: routed.service, routedPort: routed.port };
      })(),
      variables: checkVariables(body.variables),
      ...(typeof body.templateId === 'string' ? { templateId: body.templateId } : {}),
    };
    return this.createChecked(projectId, input);
  }

  /** Creates a stack from input that passed the allow-lists (the templates feature builds one). */
  async createChecked(projectId: string, input: StackInput): Promise<StackView> {
    const { db } = this.deps;
    requireDockerScheduler(this.deps.scheduler, 'Compose stacks are');
    if ((await projectNameOf(db, projectId)) === undefined) throw new AppError('NOT_FOUND', 'No such project.');
    if (await isNameTaken(db, projectId, input.name))
      throw new AppError('SERVICE_NAME_TAKEN', `The project already has a service or stack named ${input.name}.`, {
        details: { name: 'taken' },
      });
    if (input.source.type === 'paste')
      stackDefinition(input.source.compose, input.variables, input.routedService, this.deps.allowedHostPaths);
    else await checkGitUrl(input.source.url, { allowPrivate: this.deps.allowPrivateSources });
    const now = nowIso();
    const id = newId('stk');
    await insertStack(db, {
      id,
      project_id: projectId,
      name: input.name,
      source: input.source.type,
      compose: input.source.type === 'paste' ? input.source.compose : null,
      repo_url: input.source.type === 'repo' ? input.source.url : null,
      repo_branch: input.source.type === 'repo' ? input.source.branch : null,
      repo_path: input.source.type === 'repo' ? input.source.path : null,
      routed_service: input.routedService,
      routed_port: input.routedPort,
      variables: this.deps.secretBox.encrypt(JSON.stringify(input.variables)),
      template_id: input.templateId ?? null,
      status: 'created',
      error: null,
      generation: 0,
      deploy_log: '',
      volumes: '[]',
      deployed_at: null,
      created_at: now,
      updated_at: now,
    });
    return this.get(id);
  }

  /** Replaces the variables given (others stay); a secret sent as null keeps its stored value. */
  async setVariables(id: string, body: unknown): Promise<StackView> {
    const row = await findStackRow(this.deps.db, id);
    if (!row) throw new AppError('NOT_FOUND', 'No such stack.');
    const current = this.variablesOf(row.variables);
    const changes = checkVariables(body);
    await updateStack(this.deps.db, id, {
      variables: this.deps.secretBox.encrypt(JSON.stringify({ ...current, ...changes })),
    });
    return this.get(id);
  }

  /** Starts a deploy in the background; `done` resolves when it has ended (tests, CLI). */
  async deploy(id: string): Promise<{ stack: StackView; done: Promise<void> }> {
    const stack = await this.get(id);
    if (this.running.has(id)) throw new AppError('CONFLICT', 'This stack is already deploying.');
    await setStackStatus(this.deps.db, id, 'deploying', { error: null });
    this.told(stack, 'deploying');
    const done = this.run(stack).finally(() => this.running.delete(id));
    this.running.set(id, done);
    return { stack: await this.get(id), done };
  }

  isDeploying(id: string): boolean {
    return this.running.has(id);
  }

  async remove(id: string, options: { confirm?: unknown; deleteVolumes?: unknown }): Promise<void> {
    const stack = await this.get(id);
    if (options.confirm !== stack.name)
      throw new AppError('CONFIRMATION_REQUIRED', `Type the stack's name (${stack.name}) to delete it.`, {
        details: { confirm: 'must be the stack name' },
      });
    if (this.running.has(id)) await this.running.get(id)!.catch(() => {});
    const volumes = options.deleteVolumes === true || options.deleteVolumes === 'on' ? stack.volumes : [];
    this.deps.router.removeService(id);
    await this.deps.domains?.forgetStack(id);
    await removeStackObjects(this.deps, stack, volumes);
    await deleteStackRow(this.deps.db, id);
  }

  /** Removes every stack of a project with all its objects and volumes (the project is being deleted). */
  async removeAllOf(projectId: string): Promise<string[]> {
    const names: string[] = [];
    for (const row of await listStackRows(this.deps.db, projectId)) {
      await this.remove(row.id, { confirm: row.name, deleteVolumes: true });
      names.push(row.name);
    }
    return names;
  }

  /** After a restart: deploys the daemon died under are marked failed; running stacks get their route back. */
  async restoreRoutes(): Promise<number> {
    return recoverStacks(this.deps, (stack) => this.hostnamesOf(stack));
  }

  /** Tells the live pages a stack's status changed (they fetch the stack again). */
  private told(stack: Pick<Stack, 'id' | 'projectId'>, status: Stack['status']): void {
    this.deps.events?.publish({ type: 'stack', stackId: stack.id, projectId: stack.projectId, status });
  }

  private async run(stack: StackView): Promise<void> {
    const lines: string[] = [];
    const row = await findStackRow(this.deps.db, stack.id);
    const variables = row ? this.variablesOf(row.variables) : {};
    // Secret values never reach the kept log (a build or a service may print them).
    const secrets = Object.values(variables)
      .filter((v) => v.secret && v.value.length >= 4)
      .flatMap((v) => secretForms(v.value));
    const log = (line: string) => {
      lines.push(redactSecrets(line, secrets));
    };
    const generation = stack.generation + 1;
    let checkout: string | undefined;
    try {
      let compose: string;
      if (stack.source.type === 'repo') {
        checkout = await mkdtemp(join(this.deps.buildsDir, 'stack-'));
        log(`Fetching ${stack.source.url} (branch ${stack.source.branch})`);
        await checkGitUrl(stack.source.url, { allowPrivate: this.deps.allowPrivateSources });
        await this.deps.fetcher.fetchGit({ url: stack.source.url, branch: stack.source.branch, dir: checkout, log });
        const text = await readContainedFile(checkout, stack.source.path, MAX_COMPOSE_BYTES);
        if (text === undefined)
          throw new AppError('VALIDATION_FAILED', `${stack.source.path} is not in the repository.`);
        compose = text;
      } else compose = stack.source.compose;
      const composeDir = stack.source.type === 'repo' ? posix.dirname(posix.normalize(stack.source.path)) : undefined;
      const { allowedHostPaths } = this.deps;
      const definition = stackDefinition(compose, variables, stack.routedService, allowedHostPaths, composeDir);
      if (checkout && composeDir !== undefined) await withEnvFiles(definition, await realpath(checkout), composeDir);
      const projectName = (await projectNameOf(this.deps.db, stack.projectId))!;
      const ref: StackRef = { id: stack.id, projectId: stack.projectId, projectName, name: stack.name };
      await deployStack(this.deps, {
        stack: ref,
        definition,
        generation,
        routed: { service: stack.routedService, port: stack.routedPort, hostnames: await this.hostnamesOf(stack) },
        ...(checkout && stack.source.type === 'repo' ? { sourceDir: join(checkout, stack.source.path, '..') } : {}),
        log,
      });
      log('The stack is running');
      await setStackStatus(this.deps.db, stack.id, 'running', {
        generation,
        deployLog: capLog(lines),
        deployedAt: nowIso(),
        volumes: [...new Set([...stack.volumes, ...definition.volumes])],
      });
      this.told(stack, 'running');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`Deploy failed: ${message}`);
      this.deps.logger.warn({ err: error, stackId: stack.id }, 'stack deploy failed');
      // A failed first deploy leaves nothing behind; after a good one, what still runs keeps serving.
      if (stack.deployedAt === null) await removeStackObjects(this.deps, stack, []).catch(() => {});
      // The generation still moves on: containers of this attempt carry it and the next attempt must not reuse names.
      await setStackStatus(this.deps.db, stack.id, 'failed', {
        error: message,
        generation,
        deployLog: capLog(lines),
      }).catch(() => {});
      this.told(stack, 'failed');
    } finally {
      if (checkout) await rm(checkout, { recursive: true, force: true });
    }
  }

  private variablesOf(sealed: string): Record<string, StackVariable> {
    return JSON.parse(this.deps.secretBox.decrypt(sealed)) as Record<string, StackVariable>;
  }

  private async hostnamesOf(stack: Stack): Promise<string[]> {
    const project = (await projectNameOf(this.deps.db, stack.projectId)) ?? '';
    return [defaultHostname(stack.name, project, this.deps.appsDomain)];
  }

  private async view(stack: Stack, sealed: string): Promise<StackView> {
    const variables = Object.fromEntries(
      Object.entries(this.variablesOf(sealed)).map(([k, v]) => [
        k,
        { value: v.secret ? null : v.value, secret: v.secret },
      ]),
    );
    const project = (await projectNameOf(this.deps.db, stack.projectId)) ?? '';
    return { ...stack, url: serviceUrl(stack.name, project, this.deps), variables };
  }
}

function capLog(lines: string[]): string {
  const text = lines.join('\n');
  return text.length > MAX_LOG_CHARS ? text.slice(text.length - MAX_LOG_CHARS) : text;
}
