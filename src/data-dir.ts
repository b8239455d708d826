/** Layout of the data dir, and the secrets Berth generates there once and keeps. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface DataPaths {
  root: string;
  database: string;
  lock: string;
  sessionSecret: string;
  /**
   * This install's id, the `berth.install` label on every Docker object it makes (not a secret, but
   * generated once and kept like one: it must never change, or Berth would lose track of its objects).
   */
  installId: string;
  /** 32-byte key that encrypts variables and credentials at rest. */
  masterKey: string;
  /** Working copies of sources during a deployment, removed afterwards. */
  builds: string;
  /** One log file per deployment. */
  deploymentLogs: string;
}

export function dataPaths(dataDir: string): DataPaths {
  return {
    root: dataDir,
    database: join(dataDir, 'berth.db'),
    lock: join(dataDir, 'berth.lock'),
    sessionSecret: join(dataDir, 'secrets', 'session.key'),
    installId: join(dataDir, 'secrets', 'install.id'),
    masterKey: join(dataDir, 'secrets', 'master.key'),
    builds: join(dataDir, 'builds'),
    deploymentLogs: join(dataDir, 'logs', 'deployments'),
  };
}

export function ensureDataDir(paths: DataPaths): void {
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  mkdirSync(join(paths.root, 'secrets'), { recursive: true, mode: 0o700 });
  mkdirSync(paths.builds, { recursive: true, mode: 0o700 });
  mkdirSync(paths.deploymentLogs, { recursive: true, mode: 0o700 });
}

/** Reads a generated secret, creating it (0600) on first use. */
export function readOrCreateSecret(file: string, bytes = 32): string {
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(bytes).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

/** This install's id (12 random bytes, base64url: a valid Docker label value), created on first start. */
export function readOrCreateInstallId(paths: DataPaths): string {
  return readOrCreateSecret(paths.installId, 12);
}
