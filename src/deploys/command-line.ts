/**
 * Splits a command line such as `npm run migrate -- --force` into argv, honouring single and double
 * quotes. No shell ever sees it: the words are passed to the container as an exec-form command.
 */
import { AppError } from '../errors.js';

export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let hasWord = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      hasWord = true;
    } else if (/\s/.test(ch)) {
      if (hasWord) words.push(current);
      current = '';
      hasWord = false;
    } else {
      current += ch;
      hasWord = true;
    }
  }
  if (quote) throw new AppError('VALIDATION_FAILED', 'The command has an unclosed quote.');
  if (hasWord) words.push(current);
  if (words.length === 0) throw new AppError('VALIDATION_FAILED', 'The command is empty.');
  return words;
}
