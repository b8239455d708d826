/**
 * The deploy's one call into config as code, after the source is fetched and before the build: reads the
 * berth.json (or berth.toml) at the root of the service's build context (64 KB at most, never through a link out of the
 * checkout), checks it, and returns the service as this deploy must see it. An invalid file fails the
 * deploy: every problem goes to the deploy log, and the error names them. A rollback re-applies the file
 * its target deployment ran with (the image is reused; the file is not read again).
 */
import { realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { readContainedFile } from '../lib/contained-file.js';
import type { StartCommand } from '../build/start-command.js';
import type { AppService } from '../projects/service.types.js';
import { applySettings, settingsForEnvironment } from './effective-settings.js';
import { CONFIG_FILE_NAME, TOML_CONFIG_FILE_NAME, parseRepoConfig } from './parse-repo-config.js';
import { configFileOfDeployment, environmentName, recordConfigFile } from './repo-config.repository.js';
import type { AppliedConfigFile, RepoSettings } from './repo-config.types.js';

export const MAX_CONFIG_FILE_BYTES = 64 * 1024;
const MAX_PROBLEMS_SHOWN = 20;

export interface ConfigFileTarget {
  deploymentId: string;
  rollbackOf: string | null;
  service: AppService;
}

export interface ConfigFileEffect {
  service: AppService;
  startCommand?: StartCommand;
  /** The file's variables (references unresolved); absent for a rollback, which restores its sealed ones. */
  variables?: Record<string, string>;
  /** Worker process types from the file (they replace the Procfile's). */
  processes?: Record<string, string>;
  file: AppliedConfigFile;
}

/** The berth.json's effect on this deploy, or undefined when the source has none. Throws VALIDATION_FAILED. */
export async function applyConfigFile(
  db: Db,
  target: ConfigFileTarget,
  sourceDir: string | undefined,
  log: (line: string) => void,
): Promise<ConfigFileEffect | undefined> {
  if (sourceDir === undefined) return target.rollbackOf ? reapply(db, target, log) : undefined;
  const found = await readConfigFile(await realpath(sourceDir), target.service.build.context ?? '.');
  if (found === undefined) return undefined;
  const { path, text } = found;
  const parsed = parseRepoConfig(text, path);
  if (!parsed.ok) {
    log(`${path} is not valid:`);
    for (const problem of parsed.problems.slice(0, MAX_PROBLEMS_SHOWN)) log(`  ${problem}`);
    const more =
      parsed.problems.length > MAX_PROBLEMS_SHOWN ? ` (and ${parsed.problems.length - MAX_PROBLEMS_SHOWN} more)` : '';
    throw new AppError('VALIDATION_FAILED', `${parsed.problems.slice(0, 3).join('; ')}${more}`);
  }
  const envName = await environmentName(db, target.service.environmentId);
  const { settings, environment } = settingsForEnvironment(parsed.config, envName);
  const file: AppliedConfigFile = { path, environment, settings };
  const effect = { ...applySettings(target.service, settings), file };
  await recordConfigFile(db, target.deploymentId, file);
  log(`Using ${describe(file)}`);
  return settings.variables ? { ...effect, variables: settings.variables } : effect;
}

/** The berth.json or berth.toml of the build context; both at once is an error that names them. */
async function readConfigFile(root: string, context: string): Promise<{ path: string; text: string } | undefined> {
  const jsonPath = posix.join(context, CONFIG_FILE_NAME);
  const tomlPath = posix.join(context, TOML_CONFIG_FILE_NAME);
  const json = await readContainedFile(root, jsonPath, MAX_CONFIG_FILE_BYTES);
  const toml = await readContainedFile(root, tomlPath, MAX_CONFIG_FILE_BYTES);
  if (json !== undefined && toml !== undefined) {
    throw new AppError(
      'VALIDATION_FAILED',
      `Both ${jsonPath} and ${tomlPath} are present: keep one of them (they hold the same settings)`,
    );
  }
  if (json !== undefined) return { path: jsonPath, text: json };
  if (toml !== undefined) return { path: tomlPath, text: toml };
  return undefined;
}

async function reapply(db: Db, target: ConfigFileTarget, log: (line: string) => void) {
  const file = await configFileOfDeployment(db, target.rollbackOf!);
  if (!file) return undefined;
  await recordConfigFile(db, target.deploymentId, file);
  log(`Using ${describe(file)}, as the deployment rolled back to did`);
  return { ...applySettings(target.service, file.settings), file };
}

function describe(file: AppliedConfigFile): string {
  const keys = Object.keys(file.settings as Record<keyof RepoSettings, unknown>);
  const env = file.environment ? ` with the overrides for ${file.environment}` : '';
  return `${file.path}${env}: ${keys.length > 0 ? keys.join(', ') : 'no settings'} from the file`;
}
