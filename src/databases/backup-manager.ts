/**
 * Backups of managed databases: on demand or on a schedule, one at a time per database. Each one is
 * dumped with the engine's own tool, gzip-compressed with a sha256, then VERIFIED by restoring it into
 * a throwaway container and comparing what it holds with the source; only then is it `verified`.
 * Failures are recorded with the tool's stderr (credentials removed). Retention runs only after a
 * verified success, so a failing database never loses its older good backups.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import { shortestInterval, type Scheduler, isValidCronExpression } from '../jobs/scheduler.js';
import {
  deleteBackupRow,
  failInterruptedBackups,
  findBackup,
  insertBackup,
  listBackups,
  updateBackup,
} from './backups.repository.js';
import { openCredentials, throwawayCredentials } from './credentials.js';
import { checkConfirmation, checkKeep } from './database-input.js';
import type { ScratchServer } from './database-cluster.js';
import { describe, type DatabaseSystem } from './database-system.js';
import type { Backup, ManagedDatabase } from './database.types.js';
import type { Executor } from '../db/executor.js';
import { findDatabaseById, listAllDatabases, updateDatabase } from './databases.repository.js';
import { dumpToFile, readCounts, restoreFromFile, sha256OfFile } from './dump-restore.js';
import { ENGINES } from './engines/index.js';
import type { DatabaseCredentials } from './engines/types.js';
import { cleanMessage, ToolFailure } from './tool-runner.js';
import { compareCounts } from './verification.js';

export class BackupManager {
  /**
   * databaseId → the backup that holds it. Released the moment that backup's final status is written, so a
   * "Back up now" clicked as soon as the page shows the result is accepted rather than refused as busy.
   */
  private readonly busy = new Map<string, string>();
  /** backupId → its run (with the retention and events after the final status), for settle(). */
  private readonly runs = new Map<string, { databaseId: string; run: Promise<void> }>();
  readonly dir: string;

  constructor(
    private readonly databases: DatabaseSystem,
    private readonly scheduler: Scheduler,
  ) {
    this.dir = join(databases.deps.config.dataDir, 'database-backups');
  }

  private get deps() {
    return this.databases.deps;
  }

  /** Starts a backup in the background and returns its record (status `running`). */
  async start(databaseId: string, trigger: Backup['trigger'] = 'manual'): Promise<Backup> {
    const database = await this.databases.get(databaseId);
    if (this.busy.has(databaseId)) {
      throw new AppError('DATABASE_BUSY', `A backup of "${database.name}" is already running.`);
    }
    const id = newId('bak');
    this.busy.set(databaseId, id);
    try {
      await insertBackup(this.deps.db, { id, databaseId, trigger, startedAt: nowIso() });
    } catch (error) {
      this.release(databaseId, id);
      throw error;
    }
    this.announce(id, databaseId, 'running');
    const run = this.run(id, database)
      .catch((error: unknown) => this.deps.logger.error({ backupId: id, reason: describe(error) }, 'backup crashed'))
      .finally(() => {
        this.release(databaseId, id);
        this.runs.delete(id);
      });
    this.runs.set(id, { databaseId, run });
    return (await findBackup(this.deps.db, id))!;
  }

  async get(id: string): Promise<Backup> {
    const backup = await findBackup(this.deps.db, id);
    if (!backup) throw new AppError('NOT_FOUND', `No backup with id "${id}".`);
    return backup;
  }

  async list(databaseId: string): Promise<Backup[]> {
    await this.databases.get(databaseId);
    return listBackups(this.deps.db, databaseId);
  }

  /** The stored file of a verified backup, for download. */
  async file(id: string): Promise<{ path: string; name: string; backup: Backup }> {
    const backup = await this.get(id);
    if (backup.status !== 'verified' || !backup.fileName) {
      throw new AppError('NOT_FOUND', 'Only verified backups can be downloaded.');
    }
    return { path: join(this.dir, backup.databaseId, backup.fileName), name: backup.fileName, backup };
  }

  /** Waits for a database's running backup (tests, shutdown). */
  async settle(databaseId?: string): Promise<void> {
    const runs = [...this.runs.values()].filter((r) => databaseId === undefined || r.databaseId === databaseId);
    await Promise.allSettled(runs.map((r) => r.run));
  }

  /** Restores a verified backup into its own database (the name typed as confirmation) or into another one. */
  async restore(id: string, input: { confirm?: unknown; targetDatabaseId?: unknown }): Promise<{ durationMs: number }> {
    const { path, backup } = await this.file(id);
    const targetId = typeof input.targetDatabaseId === 'string' ? input.targetDatabaseId : backup.databaseId;
    const source = await this.databases.get(backup.databaseId);
    const target = await this.databases.get(targetId);
    if (target.engine !== source.engine) {
      throw new AppError(
        'VALIDATION_FAILED',
        `A ${source.engine} backup cannot be restored into a ${target.engine} database.`,
      );
    }
    checkConfirmation(target.name, input.confirm);
    if ((await sha256OfFile(path)) !== backup.sha256) {
      throw new AppError('INTERNAL', 'The backup file does not match its checksum; it was changed or damaged on disk.');
    }
    const started = Date.now();
    await this.databases.exclusive(target.id, async (database) => {
      if (database.status !== 'running' || !database.containerId) {
        throw new AppError('DATABASE_BUSY', `Database "${database.name}" is not running; start it first.`);
      }
      const credentials = await openCredentials(this.deps.db, this.deps.secretBox, database.id);
      try {
        const target = await this.databases.serverTarget(database);
        await restoreFromFile(target, ENGINES[database.engine], credentials, path);
        await updateDatabase(this.deps.db, database.id, { lastError: null, updatedAt: nowIso() });
      } catch (error) {
        const message = `Restore of backup ${id} failed: ${cleanMessage(describe(error), [credentials])}`;
        await updateDatabase(this.deps.db, database.id, { lastError: message, updatedAt: nowIso() });
        throw new AppError('DOCKER_ERROR', message);
      }
    });
    return { durationMs: Date.now() - started };
  }

  /** Sets (or clears, with null) the schedule and how many verified backups to keep. */
  async setSchedule(databaseId: string, input: { schedule?: unknown; keep?: unknown }): Promise<ManagedDatabase> {
    const database = await this.databases.get(databaseId);
    const schedule = input.schedule === undefined ? database.backupSchedule : this.checkSchedule(input.schedule);
    const keep = input.keep === undefined ? database.backupKeep : checkKeep(input.keep);
    await updateDatabase(this.deps.db, databaseId, { backupSchedule: schedule, backupKeep: keep, updatedAt: nowIso() });
    this.schedule(databaseId, schedule);
    return this.databases.get(databaseId);
  }

  /**
   * The checks and the write of `setSchedule` on `db` (a caller's transaction: project as code), without
   * registering the schedule: call `setSchedule` with the same input once that transaction has committed.
   */
  async storeSchedule(db: Executor, databaseId: string, input: { schedule?: unknown; keep?: unknown }): Promise<void> {
    const database = await findDatabaseById(db, databaseId);
    if (!database) throw new AppError('NOT_FOUND', `No database with id "${databaseId}".`);
    const schedule = input.schedule === undefined ? database.backupSchedule : this.checkSchedule(input.schedule);
    const keep = input.keep === undefined ? database.backupKeep : checkKeep(input.keep);
    await updateDatabase(db, databaseId, { backupSchedule: schedule, backupKeep: keep, updatedAt: nowIso() });
  }

  /** At start: backups cut off by a stop are marked failed; schedules are registered again. */
  async recover(): Promise<void> {
    await failInterruptedBackups(this.deps.db, nowIso());
    for (const database of await listAllDatabases(this.deps.db)) this.schedule(database.id, database.backupSchedule);
  }

  /** Removes the stored files of a database (when it is deleted) and its schedule. */
  async forget(databaseId: string): Promise<void> {
    this.scheduler.remove(`backup-${databaseId}`);
    await this.settle(databaseId);
    await rm(join(this.dir, databaseId), { recursive: true, force: true });
  }

  private checkSchedule(raw: unknown): string | null {
    if (raw === null || raw === '') return null;
    const bad = (message: string) => new AppError('VALIDATION_FAILED', message, { details: { schedule: message } });
    if (typeof raw !== 'string' || raw.length > 100 || !isValidCronExpression(raw.trim())) {
      throw bad('The schedule must be a cron expression such as "0 3 * * *" (every day at 03:00).');
    }
    const expression = raw.trim();
    const minimum = this.deps.config.backupMinIntervalMs;
    if (shortestInterval(expression) < minimum) {
      throw bad(`Backups may run at most every ${describeDuration(minimum)}; this schedule runs more often.`);
    }
    return expression;
  }

  private schedule(databaseId: string, expression: string | null): void {
    const name = `backup-${databaseId}`;
    if (!expression) {
      this.scheduler.remove(name);
      return;
    }
    this.scheduler.replace({
      name,
      schedule: expression,
      run: async () => {
        if (this.busy.has(databaseId)) return; // the previous one is still going: skip, do not queue up
        await this.start(databaseId, 'schedule');
      },
    });
  }

  private async run(id: string, database: ManagedDatabase): Promise<void> {
    const { db, secretBox } = this.deps;
    const engine = ENGINES[database.engine];
    const credentials = await openCredentials(db, secretBox, database.id);
    const fileName = `${id}.${engine.dumpExtension}.gz`;
    const file = join(this.dir, database.id, fileName);
    let phase = 'dump';
    try {
      const target = await this.databases.serverTarget(database);
      await mkdir(join(this.dir, database.id), { recursive: true, mode: 0o700 });
      const dumpStarted = Date.now();
      const before = await readCounts(target, engine, credentials);
      const dumped = await dumpToFile(target, engine, credentials, file);
      const after = await readCounts(target, engine, credentials);
      await updateBackup(db, id, {
        fileName,
        sizeBytes: dumped.sizeBytes,
        sha256: dumped.sha256,
        dumpMs: Date.now() - dumpStarted,
        sourceCounts: after,
      });
      phase = 'verification';
      const verifyStarted = Date.now();
      const restored = await this.verify(database, credentials, file);
      const problem = compareCounts(before, after, restored);
      await updateBackup(db, id, { verifyMs: Date.now() - verifyStarted, restoredCounts: restored });
      if (problem) throw new ToolFailure(problem);
      // Retention before the status: whoever sees this backup verified (the API, the page the event makes
      // reload) sees the list that stays.
      await this.applyRetention(database, id);
      this.release(database.id, id);
      await updateBackup(db, id, { status: 'verified', finishedAt: nowIso(), error: null });
      this.announce(id, database.id, 'verified');
    } catch (error) {
      const message = `${phase === 'dump' ? 'Dump failed' : 'Verification failed'}: ${cleanMessage(describe(error), [credentials])}`;
      this.release(database.id, id);
      await updateBackup(db, id, { status: 'failed', error: message, finishedAt: nowIso() });
      await updateDatabase(db, database.id, { lastError: message, updatedAt: nowIso() });
      if (phase === 'dump') await rm(file, { force: true });
      this.announce(id, database.id, 'failed');
    }
  }

  /** Frees the database for the next backup, unless a newer backup already holds it. */
  private release(databaseId: string, backupId: string): void {
    if (this.busy.get(databaseId) === backupId) this.busy.delete(databaseId);
  }

  /** Tells the live pages (the database page's backup list) that a backup started or ended. */
  private announce(backupId: string, databaseId: string, status: Backup['status']): void {
    this.deps.events?.publish({ type: 'backup', backupId, databaseId, status });
  }

  /** Restores the file into a throwaway container (or scratch pod) and returns what the copy holds. */
  private async verify(
    database: ManagedDatabase,
    like: DatabaseCredentials,
    file: string,
  ): Promise<Record<string, number>> {
    const engine = ENGINES[database.engine];
    const credentials = throwawayCredentials(like);
    let scratch: ScratchServer | undefined;
    try {
      scratch = await this.databases.scratchServer(database, credentials, 'verify');
      await restoreFromFile(scratch.target, engine, credentials, file);
      return await readCounts(scratch.target, engine, credentials);
    } catch (error) {
      throw new ToolFailure(cleanMessage(describe(error), [credentials]));
    } finally {
      await scratch?.remove().catch(() => undefined);
    }
  }

  /** Keeps the newest `keep` verified backups; older ones (and failed records older than them) go. */
  /** Keeps the newest `backupKeep` verified backups, counting `justVerified` (its status not yet written). */
  private async applyRetention(database: ManagedDatabase, justVerified: string): Promise<void> {
    const all = await listBackups(this.deps.db, database.id);
    const verified = all.filter((b) => b.status === 'verified' || b.id === justVerified);
    const oldestKept = verified[database.backupKeep - 1];
    if (!oldestKept) return;
    const doomed = all.filter((b) => b.status !== 'running' && b.startedAt < oldestKept.startedAt);
    for (const backup of doomed) {
      if (backup.fileName) await rm(join(this.dir, database.id, backup.fileName), { force: true });
      await deleteBackupRow(this.deps.db, backup.id);
    }
  }
}

function describeDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s % 3600 === 0) return `${s / 3600} hour(s)`;
  if (s % 60 === 0) return `${s / 60} minute(s)`;
  return `${s} second(s)`;
}
