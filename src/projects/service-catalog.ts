/**
 * The projects feature seen from the deploy feature: a service with its project, its variables, and its
 * decrypted git credentials (the only way plaintext credentials leave the projects feature).
 */
import type { Db } from '../db/connection.js';
import { isAppError } from '../errors.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { ServiceCatalog } from '../deploys/ports.js';
import { readGitCredentials } from './credentials.service.js';
import { findProject } from './projects.service.js';
import { getAppService } from './services.service.js';
import { listServiceIds } from './services.repository.js';
import { resolveVariables } from './variables.service.js';

export function createServiceCatalog(db: Db, secretBox: SecretBox): ServiceCatalog {
  return {
    async findService(serviceId) {
      try {
        const service = await getAppService(db, serviceId);
        const project = await findProject(db, service.projectId);
        return project ? { service, project } : undefined;
      } catch (error) {
        if (isAppError(error) && error.code === 'NOT_FOUND') return undefined;
        throw error;
      }
    },
    listServiceIds: () => listServiceIds(db),
    resolveVariables: (serviceId) => resolveVariables({ db, secretBox }, serviceId),
    gitCredentials: (serviceId) => readGitCredentials({ db, secretBox }, serviceId),
  };
}
