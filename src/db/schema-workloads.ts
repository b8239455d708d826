/** Row types of cron jobs, worker processes, volumes and autoscaling policies; re-exported by schema.ts. */
import type { Generated } from 'kysely';

/** A scheduled command of an app service (0024). */
export interface CronJobsTable {
  id: string;
  service_id: string;
  name: string;
  schedule: string;
  timezone: string;
  /** JSON: {"argv": string[]} or {"shell": string} (src/cron/cron.types.ts). */
  command: string;
  overlap: 'skip' | 'queue' | 'replace';
  timeout_seconds: number;
  retries: number;
  enabled: number;
  created_at: string;
  updated_at: string;
}

/** One run (or retry attempt) of a cron job (0024); times are epoch ms. */
export interface CronRunsTable {
  id: string;
  job_id: string;
  trigger: 'schedule' | 'manual' | 'retry' | 'queue';
  attempt: number;
  status: 'running' | 'succeeded' | 'failed' | 'timed-out' | 'skipped' | 'cancelled';
  image: string | null;
  container_id: string | null;
  started_at: number;
  ended_at: number | null;
  exit_code: number | null;
  error: string | null;
  log: Generated<string>;
}

/** The replica count of one worker process type of a service (0026); no row means 1. */
export interface ServiceProcessesTable {
  service_id: string;
  process_type: string;
  replicas: number;
  updated_at: string;
}

/** A named volume of an app service (0025). */
export interface ServiceVolumesTable {
  id: string;
  service_id: string;
  name: string;
  mount_path: string;
  /** 1: old and new containers may use it at once during a deploy (zero-downtime switch kept). */
  shared: number;
  created_at: string;
  updated_at: string;
}

/** A verified tar archive of a service volume (0025). */
export interface VolumeBackupsTable {
  id: string;
  volume_id: string;
  status: 'running' | 'verified' | 'failed';
  file_name: string | null;
  size_bytes: number | null;
  file_count: number | null;
  sha256: string | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
  restored_at: string | null;
}

/** One autoscaling policy per app service (migration 0032). */
export interface AutoscalePoliciesTable {
  service_id: string;
  enabled: number;
  min_replicas: number;
  max_replicas: number;
  metric: 'requests' | 'cpu';
  target: number;
  cooldown_seconds: number;
  last_scaled_at: string | null;
  last_decision: string | null;
  updated_at: string;
}
