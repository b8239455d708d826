/**
 * Procfile support: a `web:` line overrides the start command of whichever buildpack is used
 * (Heroku and Dokku semantics). The other process types (`worker:`, `clock:` …) are worker processes,
 * run as their own unrouted containers (processTypesOf; src/deploys/worker-release.ts); `release:` is
 * Heroku's release phase, which Berth takes from the service's release command instead.
 */
import { AppError } from '../errors.js';
import { parseStartCommand, type StartCommand } from './start-command.js';

const LINE = /^([A-Za-z0-9_-]+)[ \t]*:[ \t]*(.*)$/;

/** The raw `web:` command of a Procfile's text, if it has one. */
export function webCommandOf(procfile: string): string | undefined {
  for (const raw of procfile.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (match && match[1] === 'web') return match[2]!.trim();
  }
  return undefined;
}

/** The web process as a StartCommand; throws VALIDATION_FAILED when it cannot be run safely. */
export function procfileStartCommand(procfile: string): StartCommand | undefined {
  const command = webCommandOf(procfile);
  if (command === undefined) return undefined;
  return { ...parseStartCommand(command, 'Procfile web'), source: 'the Procfile web: line' };
}

/** How a process type may be named: it becomes part of container names and labels. */
export const PROCESS_TYPE = /^[a-z0-9][a-z0-9_-]{0,29}$/;
export const MAX_PROCESS_TYPES = 10;
const NOT_WORKERS = new Set(['web', 'release']);

/**
 * The worker process types of a Procfile's text ({type: command}), each command checked as a start
 * command (throws VALIDATION_FAILED naming the line). A later line of the same type wins, as in Heroku.
 */
export function processTypesOf(procfile: string): Record<string, string> {
  const types: Record<string, string> = {};
  for (const raw of procfile.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match || NOT_WORKERS.has(match[1]!)) continue;
    const type = match[1]!;
    if (!PROCESS_TYPE.test(type)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `The Procfile process type "${type}" cannot be run: use lowercase letters, digits, - and _ (at most 30).`,
      );
    }
    parseStartCommand(match[2]!, `Procfile ${type}`);
    types[type] = match[2]!.trim();
  }
  if (Object.keys(types).length > MAX_PROCESS_TYPES) {
    throw new AppError('VALIDATION_FAILED', `The Procfile has more than ${MAX_PROCESS_TYPES} worker process types.`);
  }
  return types;
}
