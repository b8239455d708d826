/**
 * App services: created in one of a project's environments (production unless named) from a validated source, then tuned with
 * settings. Deleting one is the lifecycle feature's job (src/lifecycle): it stops and removes everything first.
 * A git source may carry credentials (credentials.service.ts): they are written in the same transaction
 * as the service, and every service returned here says in `source.credentials` what kind is set.
 */
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import { inTransaction } from '../db/executor.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import type { SecretBox } from '../lib/secret-box.js';
import { validateServiceSource } from '../source/source-validation.js';
import {
  applyCredentialsChange,
  attachCredentialRefs,
  KEEP_CREDENTIALS,
  planCredentialsChange,
  sourceForStorage,
  withCredentialsRef,
} from './credentials.service.js';
import { checkName, NAME_MAX_LENGTH } from './names.js';
import { projectInEnvironment, requireEnvironment } from './environment-scope.js';
import { findProject } from './projects.service.js';
import { isUniqueViolation } from './projects.repository.js';
import { applySettingsPatch, DEFAULT_SETTINGS, type SettingsPatch } from './service-settings.js';
import type { AppService, Project, ServiceSource } from './service.types.js';
import {
  findAppByHostLabel,
  findAppServiceById,
  insertAppService,
  isServiceNameUsed,
  listAppServicesOfProject,
  updateAppService,
} from './services.repository.js';

export interface ServicesDeps {
  db: Db;
  config: Pick<Config, 'allowPrivateSources'>;
  /** Seals git credentials sent with a source. */
  secretBox: SecretBox;
}

export interface CreateServiceInput extends SettingsPatch {
  name?: unknown;
  source?: unknown;
  /** The environment's name; production when absent. */
  environment?: unknown;
}

export interface UpdateServiceInput extends SettingsPatch {
  source?: unknown;
}

function nameTaken(name: string, project: Project): AppError {
  return new AppError('SERVICE_NAME_TAKEN', `Project "${project.name}" already has a service named "${name}".`, {
    details: { name: 'taken' },
  });
}

function checkSource(config: ServicesDeps['config'], raw: unknown): Promise<ServiceSource> {
  if (raw === undefined || raw === null) {
    throw new AppError('VALIDATION_FAILED', 'Choose a source: a git repository, a Docker image, or git push.', {
      details: { source: 'required' },
    });
  }
  return validateServiceSource(raw, { allowPrivate: config.allowPrivateSources });
}

/**
 * The default hostname `<service>-<project>.<apps domain>` must be one DNS label (at most 63 characters)
 * and must not be another app's: "a-b" in project "c" and "a" in project "b-c" would share "a-b-c".
 */
async function checkHostLabel(db: Db, name: string, project: Project): Promise<void> {
  const label = `${name}-${project.hostScope}`;
  if (label.length > NAME_MAX_LENGTH) {
    throw new AppError(
      'VALIDATION_FAILED',
      `"${name}" is too long for project "${project.name}": the app's hostname "${label}" must be at most ` +
        `${NAME_MAX_LENGTH} characters, so this service name can have at most ${NAME_MAX_LENGTH - 1 - project.hostScope.length}.`,
      { details: { name: 'too long for the hostname' } },
    );
  }
  const clash = await findAppByHostLabel(db, label);
  if (clash) {
    throw new AppError(
      'HOSTNAME_TAKEN',
      `The hostname "${label}" already belongs to service "${clash.serviceName}" of project "${clash.projectName}". Choose another service name.`,
      { details: { name: 'hostname taken' } },
    );
  }
}

export async function createAppService(
  deps: ServicesDeps,
  projectId: string,
  input: CreateServiceInput,
): Promise<AppService> {
  const { db } = deps;
  const found = await findProject(db, projectId);
  if (!found) throw new AppError('NOT_FOUND', `No project with id "${projectId}".`);
  const environment = await requireEnvironment(db, projectId, input.environment);
  const project = projectInEnvironment(found, environment);

  const name = checkName(input.name, 'service');
  const { name: _name, source: rawSource, environment: _environment, ...patch } = input;
  const source = await checkSource(deps.config, rawSource);
  const credentials = planCredentialsChange(deps.secretBox, rawSource, source);
  const settings = applySettingsPatch(DEFAULT_SETTINGS, patch);
  if (await isServiceNameUsed(db, environment.id, name)) throw nameTaken(name, project);
  await checkHostLabel(db, name, project);

  const now = nowIso();
  const service: AppService = {
    id: newId('svc'),
    projectId,
    environmentId: environment.id,
    name,
    source,
    ...settings,
    createdAt: now,
    updatedAt: now,
  };
  try {
    const ref = await inTransaction(db, async (trx) => {
      await insertAppService(trx, service);
      return applyCredentialsChange(trx, service.id, credentials, undefined, now);
    });
    return withCredentialsRef(service, ref);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(name, project);
    throw error;
  }
}

export async function getAppService(db: Db, id: string): Promise<AppService> {
  const service = await findAppServiceById(db, id);
  if (!service) throw new AppError('NOT_FOUND', `No service with id "${id}".`);
  const [withRef] = await attachCredentialRefs(db, [service]);
  return withRef!;
}

export async function listAppServices(db: Db, projectId: string): Promise<AppService[]> {
  if (!(await findProject(db, projectId))) throw new AppError('NOT_FOUND', `No project with id "${projectId}".`);
  return attachCredentialRefs(db, await listAppServicesOfProject(db, projectId));
}

/**
 * Changes the source and/or settings; the running version keeps its settings until the next deploy.
 * Credentials change only with a source: sent ones replace what is stored, null removes them.
 */
export async function updateAppServiceSettings(
  deps: ServicesDeps,
  id: string,
  input: UpdateServiceInput,
): Promise<AppService> {
  const current = await getAppService(deps.db, id);
  const { source: rawSource, ...patch } = input;
  const source = rawSource === undefined ? current.source : await checkSource(deps.config, rawSource);
  const credentials =
    rawSource === undefined
      ? KEEP_CREDENTIALS
      : planCredentialsChange(deps.secretBox, rawSource, source, current.source);
  const settings = applySettingsPatch(current, patch);
  const updatedAt = nowIso();
  const currentRef = current.source.type === 'git' ? current.source.credentials : undefined;
  const ref = await inTransaction(deps.db, async (trx) => {
    await updateAppService(trx, id, { source: sourceForStorage(source), settings, updatedAt });
    return applyCredentialsChange(trx, id, credentials, currentRef, updatedAt);
  });
  return withCredentialsRef({ ...current, source, ...settings, updatedAt }, ref);
}
