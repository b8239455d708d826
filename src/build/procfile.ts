/**
 * Procfile support: a `web:` line overrides the start command of whichever buildpack is used
 * (Heroku and Dokku semantics). Other process types are ignored; only the web process is run.
 */
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
