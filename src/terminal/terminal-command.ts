/**
 * What the web terminal runs: `/bin/sh` unless the person asks for another command, given as words
 * separated by spaces and run as argv (each word one argument, never through a shell Berth builds). Words
 * are allow-listed characters only, so nothing in them can mean more than the word itself.
 */
import { AppError } from '../errors.js';

export const DEFAULT_COMMAND: readonly string[] = ['/bin/sh'];
export const MAX_WORDS = 16;
export const MAX_COMMAND_LENGTH = 200;
/** Letters, digits and the punctuation of paths, options and assignments; no quotes, `$`, `;`, `|`, `&`, `` ` ``, spaces. */
const WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** The argv for a command line from the page (empty or absent: the default shell). */
export function parseTerminalCommand(raw: string | undefined): string[] {
  const text = (raw ?? '').trim();
  if (text === '') return [...DEFAULT_COMMAND];
  if (text.length > MAX_COMMAND_LENGTH)
    throw new AppError('VALIDATION_FAILED', `The command may be at most ${MAX_COMMAND_LENGTH} characters.`);
  const words = text.split(/ +/);
  if (words.length > MAX_WORDS)
    throw new AppError('VALIDATION_FAILED', `The command may have at most ${MAX_WORDS} words.`);
  const bad = words.find((word) => !WORD.test(word));
  if (bad !== undefined)
    throw new AppError(
      'VALIDATION_FAILED',
      'The command is run as plain words, without a shell: use letters, digits and . / - _ = : , @ % + only (for pipes or quotes, start a shell and type them there).',
    );
  if (words[0]!.startsWith('-')) throw new AppError('VALIDATION_FAILED', 'The command must start with a program name.');
  return words;
}
