/**
 * What a panel backup may contain. Both sides use this list: a backup takes only these data-dir entries,
 * and a restore refuses any archive with something else at the top, or with an entry that is not a plain
 * file or directory. A link (symbolic or hard) in an archive could point a restored path anywhere on the
 * host, so none is ever written.
 */
import { AppError } from '../errors.js';
import type { TarEntry } from '../lib/tar-archive.js';

/** Data-dir entries a backup carries (the database goes in as a snapshot, `berth.db`). */
export const BACKED_UP_ENTRIES = ['secrets', 'repos', 'certs', 'database-backups'] as const;

const ARCHIVE_TOP_LEVEL = new Set<string>(['manifest.json', 'berth.db', ...BACKED_UP_ENTRIES]);
const PLAIN_TYPES = new Set(['file', 'directory']);

/** Collects what is wrong with an archive's entries while it is extracted; `check()` throws once at the end. */
export class ArchiveEntryCheck {
  private readonly problems: string[] = [];

  readonly accept = (entry: TarEntry): boolean => {
    const name = entry.name.replace(/^(\.\/)+/, '');
    const top = name.split('/')[0] ?? '';
    // The archive's root directory itself.
    if ((name === '.' || name === '' || name === './') && entry.type === 'directory') return true;
    if (!PLAIN_TYPES.has(entry.type)) this.problems.push(`${name} is a ${entry.type}`);
    else if (!ARCHIVE_TOP_LEVEL.has(top)) this.problems.push(`${top} is not part of a Berth backup`);
    else return true;
    return false;
  };

  check(): void {
    if (this.problems.length === 0) return;
    const shown = this.problems.slice(0, 3).join('; ');
    const more = this.problems.length > 3 ? ` (and ${this.problems.length - 3} more)` : '';
    throw new AppError(
      'VALIDATION_FAILED',
      `This archive is not a backup Berth made: ${shown}${more}. Nothing was restored.`,
    );
  }
}
