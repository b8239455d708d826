/** Row types of the managed databases and their backups (src/databases, src/backup); re-exported by schema.ts. */
import type { Generated } from 'kysely';

export interface DatabasesTable {
  service_id: string;
  engine: 'postgres' | 'mysql' | 'mariadb' | 'redis' | 'mongo';
  image: string;
  /** AES-256-GCM ciphertext of the credentials JSON (src/lib/secret-box.ts). */
  credentials_encrypted: string;
  status: 'creating' | 'running' | 'stopped' | 'failed';
  container_id: string | null;
  volume_name: string;
  memory_mb: number | null;
  cpus: number | null;
  /** Host address and port the database is published on; null = only on the project network. */
  public_host: string | null;
  public_port: number | null;
  backup_schedule: string | null;
  backup_keep: Generated<number>;
  last_error: string | null;
  created_at: Generated<string>;
  updated_at: Generated<string>;
}

export interface BackupsTable {
  id: string;
  database_id: string;
  status: 'running' | 'verified' | 'failed';
  trigger: 'manual' | 'schedule';
  file_name: string | null;
  size_bytes: number | null;
  sha256: string | null;
  dump_ms: number | null;
  verify_ms: number | null;
  source_counts: string | null;
  restored_counts: string | null;
  error: string | null;
  started_at: Generated<string>;
  finished_at: string | null;
}
