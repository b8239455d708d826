/**
 * Whose git repository a service reads pushed commits from. Berth's remote keeps one repository per project
 * and service name (`repos/<project>/<service>.git`), owned by the production service that was pushed to.
 * A copy of that service in another environment (a preview made by a branch push, or a staging duplicate)
 * has its own id but the same name, and reads the same repository: its pinned branch there is what a
 * "Deploy now" of the copy builds. Only reads go through this; the owner alone may create or delete it.
 */
import type { Executor } from '../db/executor.js';
import { PRODUCTION_ENVIRONMENT } from './projects.service.js';

/** The id of the service owning the repository `serviceId` reads (itself, or production's namesake). */
export async function repositoryOwnerOf(db: Executor, serviceId: string): Promise<string> {
  const row = await db
    .selectFrom('services')
    .innerJoin('environments', 'environments.id', 'services.environment_id')
    .select(['services.project_id as projectId', 'services.name as name', 'environments.name as environment'])
    .where('services.id', '=', serviceId)
    .executeTakeFirst();
  if (!row || row.environment === PRODUCTION_ENVIRONMENT) return serviceId;
  const owner = await db
    .selectFrom('services')
    .innerJoin('environments', 'environments.id', 'services.environment_id')
    .select('services.id as id')
    .where('services.project_id', '=', row.projectId)
    .where('services.name', '=', row.name)
    .where('services.kind', '=', 'app')
    .where('environments.name', '=', PRODUCTION_ENVIRONMENT)
    .executeTakeFirst();
  return owner?.id ?? serviceId;
}
