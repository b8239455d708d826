/**
 * "Changes pending": which settings and variables of a service differ from what its active deployment
 * runs. Each deployment records the settings it ran with (settings_json) and seals its variables; the
 * stored ones are compared with those. Only names are returned, never a value.
 */
import type { AppService } from '../projects/service.types.js';
import type { DeployDeps } from './deploy-context.js';
import { ACTIVE_PHASES } from './deployment.types.js';
import {
  findActiveDeployment,
  listDeploymentsOfService,
  sealedVariablesOf,
  settingsSnapshotOf,
} from './deployments.repository.js';

export interface PendingChanges {
  /** Names of the settings that changed (source, build, port, healthcheck, resources, replicas, releaseCommand). */
  settings: string[];
  /** Keys of variables added, changed or removed. */
  variables: string[];
}

const NONE: PendingChanges = { settings: [], variables: [] };

/** What of a service's settings a deployment runs with (credentials are not part of it). */
export function settingsSnapshot(service: AppService): Record<string, unknown> {
  const { credentials: _credentials, ...source } = service.source as AppService['source'] & { credentials?: unknown };
  return {
    source,
    build: service.build,
    port: service.port,
    healthcheck: service.healthcheck,
    resources: service.resources,
    replicas: service.replicas,
    releaseCommand: service.releaseCommand,
  };
}

function changedKeys(now: Record<string, unknown>, then: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(now), ...Object.keys(then)]);
  return [...keys].filter((k) => JSON.stringify(now[k] ?? null) !== JSON.stringify(then[k] ?? null)).sort();
}

const isUnderWay = (status: string) => status === 'queued' || (ACTIVE_PHASES as readonly string[]).includes(status);

export async function pendingChanges(
  deps: Pick<DeployDeps, 'db' | 'catalog' | 'secretBox'>,
  service: AppService,
): Promise<PendingChanges> {
  // A deploy under way carries the changes made before it; nothing runs yet: the Deploy button says it all.
  const [newest] = await listDeploymentsOfService(deps.db, service.id, 1);
  if (!newest || isUnderWay(newest.status)) return NONE;
  const active = await findActiveDeployment(deps.db, service.id);
  if (!active) return NONE;
  const snapshot = await settingsSnapshotOf(deps.db, active.id);
  const settings = snapshot
    ? changedKeys(settingsSnapshot(service), JSON.parse(snapshot) as Record<string, unknown>)
    : [];
  const sealed = await sealedVariablesOf(deps.db, active.id);
  let variables: string[] = [];
  if (sealed) {
    const ran = JSON.parse(deps.secretBox.decrypt(sealed)) as Record<string, string>;
    const now = await deps.catalog.resolveVariables(service.id).catch(() => undefined);
    // A reference that no longer resolves is a change too (the next deploy would refuse it).
    variables = now ? changedKeys(now, ran) : ['(a variable reference no longer resolves)'];
  }
  return { settings, variables };
}
