/**
 * The preview settings previews run with and the API shows: the project's stored settings with the fields
 * its production apps' berth.json / berth.toml set on top (the file wins; `fromFile` names where each came from).
 */
import type { Executor } from '../db/executor.js';
import { previewSettingsFromFiles } from '../repo-config/preview-file.js';
import { withFileSettings, type FilePreviewSettings, type PreviewSettings } from './preview-settings.js';
import { readSettings } from './previews.repository.js';

export interface EffectivePreviewSettings extends PreviewSettings {
  /** Present when a file sets fields: field → "web: berth.json" (read-only in the panel). */
  fromFile?: FilePreviewSettings['sources'];
}

export async function filePreviewSettings(db: Executor, projectId: string): Promise<FilePreviewSettings | undefined> {
  return previewSettingsFromFiles(db, projectId);
}

export async function readEffectiveSettings(db: Executor, projectId: string): Promise<EffectivePreviewSettings> {
  const file = await filePreviewSettings(db, projectId);
  const settings = withFileSettings(await readSettings(db, projectId), file);
  return file ? { ...settings, fromFile: file.sources } : settings;
}
