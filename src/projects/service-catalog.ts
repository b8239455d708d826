/**
 * The projects feature seen from the deploy feature: a service with its project, its variables, and its
 * decrypted git credentials (the only way plaintext credentials leave the projects feature).
 */
import type { Db } from '../db/connection.js';
import { AppError, isAppError } from '../errors.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { ServiceCatalog } from '../deploys/ports.js';
import { readGitCredentials } from './credentials.service.js';
import { findScopedProject } from './environment-scope.js';
import { getAppService } from './services.service.js';
import { listServiceIds } from './services.repository.js';
import { secretVariableValues } from './variables.secrets.js';
import type { ReferenceSource } from './variable-references.js';
import { resolveVariables, resolveVariablesOf } from './variables.service.js';

/** `databases` resolves references to managed databases (src/databases/references.ts). */
export function createServiceCatalog(db: Db, secretBox: SecretBox, databases: ReferenceSource): ServiceCatalog {
  return {
    async findService(serviceId) {
      try {
        const service = await getAppService(db, serviceId);
        const project = await findScopedProject(db, service.projectId, service.environmentId);
        return project ? { service, project } : undefined;
      } catch (error) {
        if (isAppError(error) && error.code === 'NOT_FOUND') return undefined;
        throw error;
      }
    },
    listServiceIds: () => listServiceIds(db),
    resolveVariables: (serviceId) => resolveVariables({ db, secretBox, databases }, serviceId),
    resolveReferences: (serviceId, values) => resolveVariablesOf({ db, secretBox, databases }, serviceId, values),
    secretValues: (serviceId, env) => secretVariableValues({ db, secretBox }, serviceId, env),
    gitCredentials: (serviceId) => readGitCredentials({ db, secretBox }, serviceId),
  };
}

/** The service with its project, or NOT_FOUND (404) for an id no app service has. */
export async function requireService(
  catalog: ServiceCatalog,
  serviceId: string,
): Promise<NonNullable<Awaited<ReturnType<ServiceCatalog['findService']>>>> {
  const found = await catalog.findService(serviceId);
  if (!found) throw new AppError('NOT_FOUND', 'No such service.');
  return found;
}
