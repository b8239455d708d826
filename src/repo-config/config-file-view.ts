/** What the panel and API show of config as code: the berth.json behind a service's or a deployment's settings. */
import type { Db } from '../db/connection.js';
import { configFileOfDeployment, latestConfigFile } from './repo-config.repository.js';
import type { AppliedConfigFile } from './repo-config.types.js';

export interface ConfigFileView extends AppliedConfigFile {
  /** The deployment that applied it. */
  deploymentId: string;
}

/** The file the service's live deployment applied (else its newest deployment that read one); null: none. */
export async function serviceConfigFile(db: Db, serviceId: string): Promise<ConfigFileView | null> {
  const latest = await latestConfigFile(db, serviceId);
  return latest?.file ? { ...latest.file, deploymentId: latest.deploymentId } : null;
}

export async function deploymentConfigFile(db: Db, deploymentId: string): Promise<ConfigFileView | null> {
  const file = await configFileOfDeployment(db, deploymentId);
  return file ? { ...file, deploymentId } : null;
}

/** The settings from the file as "field → value" rows, for a read-only list. */
export function configFileRows(file: AppliedConfigFile): Array<{ field: string; value: string }> {
  const rows: Array<{ field: string; value: string }> = [];
  const walk = (prefix: string, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) walk(prefix ? `${prefix}.${key}` : key, inner);
    } else {
      rows.push({ field: prefix, value: Array.isArray(value) ? value.join(', ') : String(value) });
    }
  };
  walk('', file.settings);
  return rows;
}
