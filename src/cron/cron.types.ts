/** Cron jobs of app services and their runs, as the rest of Berth sees them (camelCase domain types). */
import type { CronCommand } from '../workloads/cron-spec.js';

export type { CronCommand };

export const OVERLAP_POLICIES = ['skip', 'queue', 'replace'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'timed-out', 'skipped', 'cancelled'] as const;
export type CronRunStatus = (typeof RUN_STATUSES)[number];
export type CronTrigger = 'schedule' | 'manual' | 'retry' | 'queue';

export interface CronJob {
  id: string;
  serviceId: string;
  name: string;
  schedule: string;
  timezone: string;
  command: CronCommand;
  overlap: OverlapPolicy;
  timeoutSeconds: number;
  retries: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface CronRun {
  id: string;
  jobId: string;
  trigger: CronTrigger;
  attempt: number;
  status: CronRunStatus;
  image: string | null;
  containerId: string | null;
  /** Epoch ms. */
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  exitCode: number | null;
  error: string | null;
}

export interface CronRunWithLog extends CronRun {
  log: string;
}

/** What a caller gives to create or change a job (validated by cron-input.ts). */
export interface CronJobInput {
  name: string;
  schedule: string;
  timezone: string;
  command: CronCommand;
  overlap: OverlapPolicy;
  timeoutSeconds: number;
  retries: number;
  enabled: boolean;
}

/** Limits: runs kept per job, and the bytes of a run's output kept (its tail). */
export const RUNS_KEPT_PER_JOB = 50;
export const LOG_BYTES_KEPT = 64 * 1024;
export const MAX_TIMEOUT_SECONDS = 24 * 3600;
export const MAX_RETRIES = 5;
