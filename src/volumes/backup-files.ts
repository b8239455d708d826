/** Where volume backups live in the data dir: `<dataDir>/volume-backups/<backup id>.tar` (0600, dir 0700). */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors.js';

/** Only names Berth generates are turned into paths. */
const FILE_NAME = /^vbk_[0-9a-z]+\.tar$/;

export function volumeBackupsDir(dataDir: string): string {
  return join(dataDir, 'volume-backups');
}

export function backupFileName(backupId: string): string {
  return `${backupId}.tar`;
}

export function backupFilePath(dir: string, fileName: string): string {
  if (!FILE_NAME.test(fileName)) throw new AppError('INTERNAL', `Not a volume backup file name: ${fileName}`);
  return join(dir, fileName);
}

export async function ensureBackupsDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}
