/**
 * Duplicating an environment: a new environment with a copy of every app service (source, build, health,
 * resource and release settings, git credentials, variables as sealed: references stay references and
 * resolve against the new environment's services, secrets are never decrypted), its cron jobs (as they are
 * in the source, or all paused: `cron: "paused"`; previews always pause them) and volume settings (new,
 * empty volumes: never the source's data), a new database for every database, empty or seeded from the
 * source database's latest verified backup, and a copy of every compose stack of the source environment
 * named `<stack>-<environment>` (same spec, own network and volumes). Custom domains are never copied (a
 * hostname has one owner): the copies answer on the environment's own hostnames. Every check runs before
 * anything is made (bad name, taken name, hostname too long or taken, a database with no verified backup
 * when seeding); a failure after that deletes what was made. Nothing deploys unless `deploy` is true.
 */
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import { hostScopeOf } from '../projects/environment-scope.js';
import { NAME_MAX_LENGTH } from '../projects/names.js';
import { getProject } from '../projects/projects.service.js';
import type { AppService } from '../projects/service.types.js';
import { findAppByHostLabel, listAppServicesOfProject } from '../projects/services.repository.js';
import type { DatabaseCopySource, EnvironmentsDeps } from './environment-ports.js';
import { insertServiceCopy, readSealedRowsOfService } from './environments.repository.js';
import type { EnvironmentView, EnvironmentsService } from './environments.service.js';

export type DatabaseMode = 'empty' | 'seed';
export type CronMode = 'as-source' | 'paused';

export interface DuplicateInput {
  name?: unknown;
  databases?: unknown;
  deploy?: unknown;
  cron?: unknown;
}

export interface DuplicateResult {
  environment: EnvironmentView;
  services: Array<{ id: string; name: string; from: string; cronJobs: number; volumes: number }>;
  databases: Array<{ id: string; name: string; from: string; seededFrom: string | null }>;
  stacks: Array<{ id: string; name: string; from: string }>;
  /** How cron jobs were copied. */
  cron: CronMode;
  deployed: boolean;
}

const READY_TIMEOUT_MS = 180_000;

function checkMode(raw: unknown): DatabaseMode {
  if (raw === 'empty' || raw === 'seed') return raw;
  throw new AppError(
    'VALIDATION_FAILED',
    'Choose how databases are copied: "empty" or "seed" (from the latest verified backup).',
    {
      details: { databases: 'must be "empty" or "seed"' },
    },
  );
}

/** `…:15` → "15"; undefined when the image has no tag (the configured image is used). */
function tagOf(image: string): string | undefined {
  const withoutDigest = image.split('@')[0]!;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(colon + 1) : undefined;
}

function checkCronMode(raw: unknown): CronMode {
  if (raw === undefined || raw === 'as-source' || raw === 'paused') return raw ?? 'as-source';
  throw new AppError('VALIDATION_FAILED', 'cron must be "as-source" or "paused".', {
    details: { cron: 'must be "as-source" or "paused"' },
  });
}

/** Every name that gets a hostname in the new environment: its apps, and its stack copies `<stack>-<env>`. */
async function checkHostnames(deps: EnvironmentsDeps, names: string[], scope: string): Promise<void> {
  for (const name of names) {
    const label = `${name}-${scope}`;
    if (label.length > NAME_MAX_LENGTH) {
      throw new AppError(
        'VALIDATION_FAILED',
        `Service "${name}" would get the hostname "${label}", longer than ${NAME_MAX_LENGTH} characters: choose a shorter environment name.`,
        { details: { name: 'too long for the hostnames' } },
      );
    }
    const clash = await findAppByHostLabel(deps.db, label);
    if (clash) {
      throw new AppError(
        'HOSTNAME_TAKEN',
        `The hostname "${label}" already belongs to service "${clash.serviceName}" of project "${clash.projectName}". Choose another environment name.`,
        { details: { name: 'hostname taken' } },
      );
    }
  }
}

async function waitRunning(deps: EnvironmentsDeps, database: { id: string; name: string }): Promise<void> {
  const deadline = Date.now() + (deps.databaseReadyTimeoutMs ?? READY_TIMEOUT_MS);
  for (;;) {
    const { status, lastError } = await deps.databases.status(database.id);
    if (status === 'running') return;
    if (status === 'failed')
      throw new AppError(
        'DOCKER_ERROR',
        `Database "${database.name}" failed to start: ${lastError ?? 'no reason given'}`,
      );
    if (Date.now() > deadline) throw new AppError('DOCKER_ERROR', `Database "${database.name}" did not start in time.`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function duplicateEnvironment(
  service: EnvironmentsService,
  projectId: string,
  sourceNameOrId: string,
  input: DuplicateInput,
  triggeredBy: string | null,
): Promise<DuplicateResult> {
  const { deps } = service;
  const project = await getProject(deps.db, projectId);
  const source = await service.get(projectId, sourceNameOrId);
  const mode = checkMode(input.databases);
  const cron = checkCronMode(input.cron);
  if (input.deploy !== undefined && typeof input.deploy !== 'boolean') {
    throw new AppError('VALIDATION_FAILED', 'deploy must be true or false.', {
      details: { deploy: 'must be a boolean' },
    });
  }
  const name = await service.checkNewName(projectId, input.name);
  const apps = (await listAppServicesOfProject(deps.db, projectId)).filter((s) => s.environmentId === source.id);
  const databases = (await deps.databases.list(projectId)).filter((d) => d.environmentId === source.id);
  const stacks = (await deps.stacks?.list(projectId))?.filter((s) =>
    source.isProduction ? s.environmentId === null : s.environmentId === source.id,
  );
  // A stack copy is named `<stack>-<environment>`: its hostname is then the environment's, like the apps'.
  const suffix = `-${source.name}`;
  const stackBase = (stack: { name: string }) =>
    !source.isProduction && stack.name.endsWith(suffix) ? stack.name.slice(0, -suffix.length) : stack.name;
  const stackCopyName = (stack: { name: string }) => `${stackBase(stack)}-${name}`;
  const named = [...apps.map((a) => a.name), ...(stacks ?? []).map(stackBase)];
  await checkHostnames(deps, named, hostScopeOf(project.name, name));
  const seeds = new Map<string, string>();
  if (mode === 'seed') {
    for (const database of databases) {
      const backup = await deps.databases.latestVerifiedBackup(database.id);
      if (!backup) {
        throw new AppError(
          'CONFLICT',
          `Database "${database.name}" has no verified backup to seed from. Take a backup first, or duplicate with databases "empty". Nothing was created.`,
          { details: { databases: `"${database.name}" has no verified backup` } },
        );
      }
      seeds.set(database.id, backup.id);
    }
  }

  return service.exclusive(`${projectId}/${name}`, async () => {
    const environmentId = await service.insert(projectId, name);
    const result: DuplicateResult = {
      environment: await service.get(projectId, environmentId),
      services: [],
      databases: [],
      stacks: [],
      cron,
      deployed: false,
    };
    try {
      for (const app of apps) result.services.push(await copyApp(deps, app, environmentId, cron === 'paused'));
      for (const database of databases) {
        result.databases.push(await copyDatabase(deps, projectId, name, database, seeds.get(database.id)));
      }
      for (const stack of stacks ?? []) {
        const copy = await deps.stacks!.copy(stack.id, { name: stackCopyName(stack), environmentId });
        result.stacks.push({ ...copy, from: stack.id });
      }
      if (input.deploy === true) {
        for (const copy of result.services) await deps.deploy(copy.id, triggeredBy);
        for (const copy of result.stacks) await deps.stacks!.deploy(copy.id);
        result.deployed = true;
      }
    } catch (error) {
      deps.logger.warn({ err: error, projectId, environment: name }, 'duplicate failed; removing what it made');
      await service.tearDown(projectId, result.environment).catch((cleanup: unknown) => {
        deps.logger.error({ err: cleanup, projectId, environment: name }, 'could not remove a failed duplicate');
      });
      throw error;
    }
    result.environment = await service.get(projectId, environmentId);
    return result;
  });
}

async function copyApp(deps: EnvironmentsDeps, app: AppService, environmentId: string, pauseCron: boolean) {
  const now = nowIso();
  const copy: AppService = { ...app, id: newId('svc'), environmentId, createdAt: now, updatedAt: now };
  const sealed = await readSealedRowsOfService(deps.db, app.id);
  await insertServiceCopy(deps.db, copy, sealed, () => newId('var'));
  const cronJobs = (await deps.extras?.copyCronJobs(app.id, copy.id, pauseCron)) ?? 0;
  const volumes = (await deps.extras?.copyVolumes(app.id, copy.id)) ?? 0;
  return { id: copy.id, name: copy.name, from: app.id, cronJobs, volumes };
}

async function copyDatabase(
  deps: EnvironmentsDeps,
  projectId: string,
  environment: string,
  database: DatabaseCopySource,
  backupId: string | undefined,
) {
  const created = await deps.databases.create(projectId, {
    name: database.name,
    engine: database.engine,
    version: tagOf(database.image),
    environment,
    ...(database.memoryMb ? { memoryMb: database.memoryMb } : {}),
    ...(database.cpus ? { cpus: database.cpus } : {}),
  });
  if (backupId) {
    await waitRunning(deps, created);
    await deps.databases.restore(backupId, created);
  }
  return { id: created.id, name: created.name, from: database.id, seededFrom: backupId ?? null };
}
