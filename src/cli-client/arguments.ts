/**
 * Argument parsing of the developer commands: node:util's parseArgs with `--json` on every command, and
 * a parse error as a usage error (exit 2) naming the command.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  json: boolean;
}

/** A usage error: a wrong or missing argument (exit code 2). */
export function usageError(message: string): AppError {
  return new AppError('BAD_REQUEST', message);
}

export function parseCommand(command: string, args: string[], options: Options = {}, maxPositionals = 0): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw usageError(`${command}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed.positionals.length > maxPositionals)
    throw usageError(`${command}: unexpected argument "${parsed.positionals[maxPositionals]}"`);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  return { values, positionals: parsed.positionals, json: values.json === true };
}

/** `project/service`, each a lower-case name as Berth allows them. */
export function parseServiceRef(text: string | undefined): { project: string; service: string } {
  const match = /^([a-z][a-z0-9-]{0,62})\/([a-z][a-z0-9-]{0,62})$/.exec(text ?? '');
  if (!match) throw usageError('name the service as <project>/<service>, e.g. `berth link shop/web`');
  return { project: match[1]!, service: match[2]! };
}
