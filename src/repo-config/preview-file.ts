/**
 * The preview settings the repository declares: the `preview` block of the berth.json (or berth.toml) that
 * the project's production apps last applied (their live deployment's file, else the newest that read one;
 * a preview's own files never count, so a branch cannot change its own preview). With several production
 * apps, their files are read in name order and the first that sets a field wins. A field a file sets wins
 * over the project's panel/API setting, which shows it read-only (README "Preview environments").
 */
import type { Executor } from '../db/executor.js';
import { PRODUCTION_ENVIRONMENT } from '../projects/projects.service.js';
import { findEnvironmentByName } from '../projects/projects.repository.js';
import { listAppServicesOfProject } from '../projects/services.repository.js';
import { latestConfigFile } from './repo-config.repository.js';
import type { RepoPreviewSettings } from './repo-config.types.js';

export interface PreviewFromFile {
  /** The fields the files set, with their values. */
  settings: RepoPreviewSettings;
  /** Which file set each field: "web: berth.json". */
  sources: Partial<Record<keyof RepoPreviewSettings, string>>;
}

/** Undefined when no production app's file sets any preview field. */
export async function previewSettingsFromFiles(db: Executor, projectId: string): Promise<PreviewFromFile | undefined> {
  const production = await findEnvironmentByName(db, projectId, PRODUCTION_ENVIRONMENT);
  if (!production) return undefined;
  const apps = (await listAppServicesOfProject(db, projectId))
    .filter((app) => app.environmentId === production.id)
    .sort((a, b) => a.name.localeCompare(b.name));
  const settings: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const app of apps) {
    const file = (await latestConfigFile(db, app.id))?.file;
    for (const [field, value] of Object.entries(file?.settings.preview ?? {})) {
      if (field in settings || value === undefined) continue;
      settings[field] = value;
      sources[field] = `${app.name}: ${file!.path}`;
    }
  }
  if (Object.keys(settings).length === 0) return undefined;
  return { settings: settings as RepoPreviewSettings, sources: sources as PreviewFromFile['sources'] };
}
