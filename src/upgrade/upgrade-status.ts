/**
 * The outcome of the last upgrade, kept as a small JSON file in the data dir: the upgrader writes it
 * (the daemon it replaces is stopped meanwhile), the new or restored daemon's panel reads it.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type UpgradeState = 'starting' | 'running' | 'succeeded' | 'rolled-back' | 'failed';

export interface UpgradeStatus {
  state: UpgradeState;
  from: string;
  to: string;
  startedAt: string;
  finishedAt?: string;
  /** Why it rolled back or failed, in words (with the new version's last log lines). */
  reason?: string;
  /** How long the panel (and the app proxy, which starts first) did not answer. */
  unavailableMs?: number;
  /** Progress lines, for the panel and `berth upgrade --wait`. */
  steps: string[];
}

export const TERMINAL_UPGRADE_STATES: readonly UpgradeState[] = ['succeeded', 'rolled-back', 'failed'];
/** An upgrade still "running" after this long was interrupted (the upgrader died); a new one may start. */
const STALE_AFTER_MS = 15 * 60_000;

export function upgradeDir(dataDir: string): string {
  return join(dataDir, 'upgrade');
}

export function snapshotPath(dataDir: string): string {
  return join(upgradeDir(dataDir), 'pre-upgrade.db');
}

function statusFile(dataDir: string): string {
  return join(upgradeDir(dataDir), 'status.json');
}

export function readUpgradeStatus(dataDir: string): UpgradeStatus | undefined {
  try {
    return JSON.parse(readFileSync(statusFile(dataDir), 'utf8')) as UpgradeStatus;
  } catch {
    return undefined;
  }
}

export function writeUpgradeStatus(dataDir: string, status: UpgradeStatus): void {
  mkdirSync(upgradeDir(dataDir), { recursive: true, mode: 0o700 });
  const file = statusFile(dataDir);
  writeFileSync(`${file}.tmp`, JSON.stringify(status, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function isUpgradeInProgress(status: UpgradeStatus | undefined, now = Date.now()): boolean {
  if (!status || TERMINAL_UPGRADE_STATES.includes(status.state)) return false;
  return now - Date.parse(status.startedAt) < STALE_AFTER_MS;
}
