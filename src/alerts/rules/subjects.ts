/** Names of services and projects for alert titles, read in one query per evaluation. */
import type { Db } from '../../db/connection.js';
import { serviceAndProjectNames } from './rule-inputs.repository.js';

export interface ServiceName {
  serviceId: string;
  name: string;
  kind: 'app' | 'database';
  projectId: string;
  projectName: string;
}

export async function serviceNames(db: Db): Promise<Map<string, ServiceName>> {
  const rows = await serviceAndProjectNames(db);
  return new Map(
    rows.map((r) => [
      r.id,
      { serviceId: r.id, name: r.name, kind: r.kind, projectId: r.projectId, projectName: r.projectName },
    ]),
  );
}

export const serviceLabel = (s: ServiceName) => `${s.projectName}/${s.name}`;
