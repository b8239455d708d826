/**
 * A project's preview settings: whether pushes and pull requests make previews at all (off until turned
 * on), how long one lives without a new push (TTL), how many may exist at once, how their databases start
 * (empty, or seeded from production's latest verified backup), the memory cap of each preview app
 * container, and whether pull requests from forks get one (off: their code is not the owner's).
 * Input is checked against allow-lists; a partial update keeps the fields it does not name.
 */
import { AppError } from '../errors.js';

export interface PreviewSettings {
  enabled: boolean;
  ttlHours: number;
  maxPreviews: number;
  databases: 'empty' | 'seed';
  memoryMb: number;
  allowForks: boolean;
}

export const DEFAULT_PREVIEW_SETTINGS: PreviewSettings = {
  enabled: false,
  ttlHours: 72,
  maxPreviews: 3,
  databases: 'empty',
  memoryMb: 256,
  allowForks: false,
};

const LIMITS = {
  ttlHours: { min: 1, max: 720, words: 'a whole number of hours from 1 to 720' },
  maxPreviews: { min: 1, max: 20, words: 'a whole number from 1 to 20' },
  memoryMb: { min: 32, max: 65536, words: 'a whole number of MB from 32 to 65536' },
} as const;

const FIELDS = new Set(['enabled', 'ttlHours', 'maxPreviews', 'databases', 'memoryMb', 'allowForks']);

function invalid(field: string, words: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field} must be ${words}.`, { details: { [field]: words } });
}

function integerIn(field: keyof typeof LIMITS, raw: unknown): number {
  const { min, max, words } = LIMITS[field];
  const value = typeof raw === 'string' && /^\d{1,6}$/.test(raw.trim()) ? Number(raw.trim()) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(field, words);
  return value;
}

function flag(field: string, raw: unknown): boolean {
  // Forms send "on"/"true"/"false"; the API sends booleans.
  if (raw === true || raw === 'true' || raw === 'on') return true;
  if (raw === false || raw === 'false' || raw === 'off' || raw === '') return false;
  throw invalid(field, 'true or false');
}

/** The settings after applying `input` (only known fields; anything else is refused by name). */
export function mergeSettings(current: PreviewSettings, input: unknown): PreviewSettings {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new AppError('VALIDATION_FAILED', 'Send the preview settings as a JSON object.');
  }
  const body = input as Record<string, unknown>;
  const unknown = Object.keys(body).filter((k) => !FIELDS.has(k) && k !== '_csrf');
  if (unknown.length > 0) {
    throw new AppError('VALIDATION_FAILED', `Unknown preview setting "${unknown[0]!.slice(0, 40)}".`, {
      details: { [unknown[0]!.slice(0, 40)]: 'unknown field' },
    });
  }
  const next = { ...current };
  if (body.enabled !== undefined) next.enabled = flag('enabled', body.enabled);
  if (body.allowForks !== undefined) next.allowForks = flag('allowForks', body.allowForks);
  if (body.ttlHours !== undefined) next.ttlHours = integerIn('ttlHours', body.ttlHours);
  if (body.maxPreviews !== undefined) next.maxPreviews = integerIn('maxPreviews', body.maxPreviews);
  if (body.memoryMb !== undefined) next.memoryMb = integerIn('memoryMb', body.memoryMb);
  if (body.databases !== undefined) {
    if (body.databases !== 'empty' && body.databases !== 'seed') {
      throw invalid('databases', '"empty" or "seed" (from production\'s latest verified backup)');
    }
    next.databases = body.databases;
  }
  return next;
}

/** Preview fields a repository file sets (src/repo-config/preview-file.ts): they win over the stored ones. */
export interface FilePreviewSettings {
  settings: Partial<Omit<PreviewSettings, 'allowForks'>>;
  /** Field → the file that sets it ("web: berth.json"). */
  sources: Partial<Record<keyof PreviewSettings, string>>;
}

/** What previews run with: the stored settings with the file's fields on top. */
export function withFileSettings(stored: PreviewSettings, file: FilePreviewSettings | undefined): PreviewSettings {
  return file ? { ...stored, ...file.settings } : stored;
}

/**
 * A panel/API change of a field the file sets is refused, naming the file (change it there), unless it
 * only repeats the file's value (the panel's form sends every field).
 */
export function refuseFileFields(input: unknown, file: FilePreviewSettings | undefined): void {
  if (!file || !input || typeof input !== 'object') return;
  const asked = mergeSettings({ ...DEFAULT_PREVIEW_SETTINGS, ...file.settings }, input);
  for (const [field, value] of Object.entries(file.settings) as Array<[keyof PreviewSettings, unknown]>) {
    if (field in input && asked[field] !== value) {
      throw new AppError(
        'CONFLICT',
        `${field} is set by the repository (${file.sources[field]}): change it in that file, on the production branch.`,
        { details: { [field]: 'set by the repository file' } },
      );
    }
  }
}
