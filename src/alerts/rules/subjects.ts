/** Names of services and projects for alert titles, read in one query per evaluation. */
import type { Db } from '../../db/connection.js';

export interface ServiceName {
  serviceId: string;
  name: string;
  kind: 'app' | 'database';
  projectId: string;
  projectName: string;
}

export async function serviceNames(db: Db): Promise<Map<string, ServiceName>> {
  const rows = await db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .select([
      'services.id',
      'services.name',
      'services.kind',
      'projects.id as projectId',
      'projects.name as projectName',
    ])
    .execute();
  return new Map(
    rows.map((r) => [
      r.id,
      { serviceId: r.id, name: r.name, kind: r.kind, projectId: r.projectId, projectName: r.projectName },
    ]),
  );
}

export const serviceLabel = (s: ServiceName) => `${s.projectName}/${s.name}`;
