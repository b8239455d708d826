/**
 * Reads and writes `.env` files as people paste them into the panel.
 *
 * Accepted: `KEY=value` lines, an optional `export ` prefix, blank lines, `#` comment lines, and inline
 * ` # comments` after whitespace. Values are taken literally: no `$VAR` expansion.
 * - unquoted: the rest of the line, trailing whitespace trimmed (`#` without a space before it stays);
 * - 'single quoted': literal, may span lines;
 * - "double quoted": may span lines; `\n`, `\r`, `\t`, `\"`, `\\` and `\$` are escapes, any other
 *   backslash is kept as it is.
 * Windows line endings are read as plain newlines. A later duplicate key wins, as in a shell.
 */
import { AppError } from '../errors.js';
import { describeKeyProblem } from './variable-rules.js';

export interface DotenvEntry {
  key: string;
  value: string;
  /** The line the entry starts on, 1-based. */
  line: number;
}

const ASSIGNMENT = /[ \t]*(?:export[ \t]+)?([^\s=#]+)[ \t]*=[ \t]*/y;
const DOUBLE_QUOTE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };
const AFTER_QUOTE = /^[ \t]*(#.*)?$/;

function fail(line: number, message: string): never {
  throw new AppError('VALIDATION_FAILED', `Line ${line}: ${message}`, { details: { dotenv: `line ${line}` } });
}

class Cursor {
  pos = 0;
  line = 1;
  constructor(readonly text: string) {}

  get isDone(): boolean {
    return this.pos >= this.text.length;
  }

  restOfLine(): string {
    const end = this.text.indexOf('\n', this.pos);
    return this.text.slice(this.pos, end === -1 ? undefined : end);
  }

  /** Moves past the current line's newline. */
  nextLine(): void {
    const end = this.text.indexOf('\n', this.pos);
    this.pos = end === -1 ? this.text.length : end + 1;
    this.line += 1;
  }
}

function readQuoted(cursor: Cursor, key: string, quote: '"' | "'"): string {
  const startLine = cursor.line;
  const text = cursor.text;
  let value = '';
  let i = cursor.pos + 1;
  for (;;) {
    if (i >= text.length) {
      const kind = quote === '"' ? 'double' : 'single';
      fail(startLine, `the value of ${key} opens a ${kind} quote that is never closed.`);
    }
    const char = text[i]!;
    if (char === quote) break;
    if (char === '\\' && quote === '"' && i + 1 < text.length) {
      const next = text[i + 1]!;
      value += DOUBLE_QUOTE_ESCAPES[next] ?? `\\${next}`;
      if (next === '\n') cursor.line += 1;
      i += 2;
      continue;
    }
    if (char === '\n') cursor.line += 1;
    value += char;
    i += 1;
  }
  cursor.pos = i + 1;
  if (!AFTER_QUOTE.test(cursor.restOfLine())) {
    fail(cursor.line, `unexpected text after the closing quote of ${key}; put a # before a comment.`);
  }
  return value;
}

function readUnquoted(cursor: Cursor): string {
  const rest = cursor.restOfLine();
  const comment = /[ \t]#/.exec(rest);
  return (comment ? rest.slice(0, comment.index) : rest).trimEnd();
}

export function parseDotenv(input: string): DotenvEntry[] {
  const cursor = new Cursor(input.replace(/\r\n/g, '\n'));
  const entries: DotenvEntry[] = [];
  while (!cursor.isDone) {
    const trimmed = cursor.restOfLine().trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      cursor.nextLine();
      continue;
    }
    ASSIGNMENT.lastIndex = cursor.pos;
    const match = ASSIGNMENT.exec(cursor.text);
    if (!match) fail(cursor.line, `expected KEY=value, got "${trimmed.slice(0, 40)}".`);
    const key = match[1]!;
    const problem = describeKeyProblem(key);
    if (problem) fail(cursor.line, problem);
    const line = cursor.line;
    cursor.pos = ASSIGNMENT.lastIndex;
    const first = cursor.text[cursor.pos];
    const value = first === '"' || first === "'" ? readQuoted(cursor, key, first) : readUnquoted(cursor);
    entries.push({ key, value, line });
    cursor.nextLine();
  }
  return entries;
}

/** The entries as a plain object; a later duplicate key wins. */
export function dotenvToObject(entries: DotenvEntry[]): Record<string, string> {
  return Object.fromEntries(entries.map((e) => [e.key, e.value]));
}

const PLAIN_VALUE = /^[A-Za-z0-9_./:@%+,=-]*$/;

/** Writes variables so that parseDotenv reads back exactly the same values. */
export function formatDotenv(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([key, value]) => {
      if (PLAIN_VALUE.test(value)) return `${key}=${value}\n`;
      const escaped = value.replace(/[\\"\n\r]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r' })[c]!);
      return `${key}="${escaped}"\n`;
    })
    .join('');
}
