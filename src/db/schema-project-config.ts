/** The project file (berth.project.json) last applied to each project (migration 0030). */
export interface ProjectConfigFilesTable {
  project_id: string;
  /** The file as applied: secret values are never in it (only {"secret": true} placeholders). */
  file_json: string;
  file_hash: string;
  applied_by: string | null;
  applied_at: string;
}
