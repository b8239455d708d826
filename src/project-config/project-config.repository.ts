/** SQL for the project file last applied to each project (drift is measured against it), and preview environments. */
import type { Executor } from '../db/executor.js';

export interface AppliedProjectFile {
  fileJson: string;
  fileHash: string;
  appliedBy: string | null;
  appliedAt: string;
}

export async function findAppliedFile(db: Executor, projectId: string): Promise<AppliedProjectFile | undefined> {
  const row = await db
    .selectFrom('project_config_files')
    .select(['file_json', 'file_hash', 'applied_by', 'applied_at'])
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return (
    row && { fileJson: row.file_json, fileHash: row.file_hash, appliedBy: row.applied_by, appliedAt: row.applied_at }
  );
}

export async function saveAppliedFile(db: Executor, projectId: string, file: AppliedProjectFile): Promise<void> {
  const values = {
    file_json: file.fileJson,
    file_hash: file.fileHash,
    applied_by: file.appliedBy,
    applied_at: file.appliedAt,
  };
  await db
    .insertInto('project_config_files')
    .values({ project_id: projectId, ...values })
    .onConflict((oc) => oc.column('project_id').doUpdateSet(values))
    .execute();
}

/** The ids of the project's preview environments (environments.kind, migration 0029). */
export async function previewEnvironmentIds(db: Executor, projectId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('environments')
    .select('id')
    .where('project_id', '=', projectId)
    .where('kind', '=', 'preview')
    .execute();
  return new Set(rows.map((row) => row.id));
}
