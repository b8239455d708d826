/** `berth backup` and `berth restore`: the passphrase comes from a file or stdin, never from argv. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { DockerRuntime } from '../runtime/docker.js';
import { VERSION } from '../version.js';
import { checkPassphrase } from './archive-crypto.js';
import { createPanelBackup } from './panel-backup.js';
import { restorePanelBackup } from './panel-restore.js';

function readPassphrase(values: { 'passphrase-file'?: string; 'passphrase-stdin'?: boolean }): string {
  let raw: string;
  if (values['passphrase-file']) raw = readFileSync(values['passphrase-file'], 'utf8');
  else if (values['passphrase-stdin']) raw = readFileSync(0, 'utf8');
  else throw new AppError('VALIDATION_FAILED', 'give the passphrase with --passphrase-file FILE or --passphrase-stdin');
  return checkPassphrase(raw.replace(/\r?\n$/, ''));
}

const PASSPHRASE_OPTIONS = {
  'passphrase-file': { type: 'string' },
  'passphrase-stdin': { type: 'boolean' },
} as const;

export async function backupCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...PASSPHRASE_OPTIONS, out: { type: 'string' } } });
  const passphrase = readPassphrase(values);
  const out = resolve(values.out ?? `berth-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.berth`);
  const manifest = await createPanelBackup({ dataDir: config.dataDir, passphrase, out, version: VERSION });
  process.stdout.write(`backup written to ${out} (${manifest.entries.join(', ')})\n`);
}

export async function restoreCommand(config: Config, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: PASSPHRASE_OPTIONS });
  if (positionals.length !== 1)
    throw new AppError('VALIDATION_FAILED', 'usage: berth restore <archive> --passphrase-file FILE');
  const passphrase = readPassphrase(values);
  const runtime = new DockerRuntime(config.docker, { logRotation: config.containerLogs });
  const result = await restorePanelBackup({
    archive: resolve(positionals[0]!),
    passphrase,
    dataDir: config.dataDir,
    hasImage: (ref) => runtime.hasImage(ref).catch(() => false),
  });
  process.stdout.write(
    `restored a backup of Berth ${result.manifest.version} from ${result.manifest.createdAt} into ${config.dataDir}: ` +
      `${result.projects} projects, ${result.services} services; ${result.redeploys} apps will be redeployed and ${result.databases} databases recreated from their latest verified backups when Berth starts\n`,
  );
}
