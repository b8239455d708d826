/** SQL of previews: per-project settings, and the preview rows of the environments table. */
import type { Executor } from '../db/executor.js';
import { DEFAULT_PREVIEW_SETTINGS, type PreviewSettings } from './preview-settings.js';

export interface PreviewRow {
  id: string;
  projectId: string;
  name: string;
  branch: string;
  expiresAt: string | null;
  createdAt: string;
}

export async function readSettings(db: Executor, projectId: string): Promise<PreviewSettings> {
  const row = await db
    .selectFrom('preview_settings')
    .selectAll()
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  if (!row) return { ...DEFAULT_PREVIEW_SETTINGS };
  return {
    enabled: row.enabled === 1,
    ttlHours: row.ttl_hours,
    maxPreviews: row.max_previews,
    databases: row.databases,
    memoryMb: row.memory_mb,
    allowForks: row.allow_forks === 1,
  };
}

export async function writeSettings(
  db: Executor,
  projectId: string,
  settings: PreviewSettings,
  updatedAt: string,
): Promise<void> {
  const values = {
    enabled: settings.enabled ? 1 : 0,
    ttl_hours: settings.ttlHours,
    max_previews: settings.maxPreviews,
    databases: settings.databases,
    memory_mb: settings.memoryMb,
    allow_forks: settings.allowForks ? 1 : 0,
    updated_at: updatedAt,
  };
  await db
    .insertInto('preview_settings')
    .values({ project_id: projectId, ...values })
    .onConflict((oc) => oc.column('project_id').doUpdateSet(values))
    .execute();
}

type Selected = {
  id: string;
  project_id: string;
  name: string;
  branch: string | null;
  expires_at: string | null;
  created_at: string;
};
const toRow = (r: Selected): PreviewRow => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  branch: r.branch ?? '',
  expiresAt: r.expires_at,
  createdAt: r.created_at,
});

const COLUMNS = ['id', 'project_id', 'name', 'branch', 'expires_at', 'created_at'] as const;

export async function listPreviewRows(db: Executor, projectId: string): Promise<PreviewRow[]> {
  const rows = await db
    .selectFrom('environments')
    .select(COLUMNS)
    .where('project_id', '=', projectId)
    .where('kind', '=', 'preview')
    .orderBy('created_at')
    .execute();
  return rows.map(toRow);
}

/** Previews whose TTL ended before `now`, of every project. */
export async function listExpiredPreviewRows(db: Executor, now: string): Promise<PreviewRow[]> {
  const rows = await db
    .selectFrom('environments')
    .select(COLUMNS)
    .where('kind', '=', 'preview')
    .where('expires_at', 'is not', null)
    .where('expires_at', '<', now)
    .execute();
  return rows.map(toRow);
}

/** Marks a (just duplicated) environment as the preview of `branch`, or moves its expiry. */
export async function markPreview(db: Executor, id: string, branch: string, expiresAt: string): Promise<void> {
  await db
    .updateTable('environments')
    .set({ kind: 'preview', branch, expires_at: expiresAt })
    .where('id', '=', id)
    .execute();
}
