/** Domain types of managed databases and their backups. */
import type { EngineName } from './engines/types.js';

export type DatabaseStatus = 'creating' | 'running' | 'stopped' | 'failed';

export interface ManagedDatabase {
  /** The id of its service row (databases are services of kind 'database'). */
  id: string;
  projectId: string;
  environmentId: string;
  name: string;
  engine: EngineName;
  image: string;
  status: DatabaseStatus;
  containerId: string | null;
  volumeName: string;
  memoryMb: number | null;
  cpus: number | null;
  /** Where it is published on the host; null = reachable only on the project network. */
  publicAccess: { host: string; port: number } | null;
  backupSchedule: string | null;
  backupKeep: number;
  /** The latest failure, in plain words (never a credential). */
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export type BackupStatus = 'running' | 'verified' | 'failed';

export interface Backup {
  id: string;
  databaseId: string;
  status: BackupStatus;
  trigger: 'manual' | 'schedule';
  fileName: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  dumpMs: number | null;
  verifyMs: number | null;
  /** What the source held at dump time and what the restored copy held (tables → rows, or keyspaces → keys). */
  sourceCounts: Record<string, number> | null;
  restoredCounts: Record<string, number> | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}
