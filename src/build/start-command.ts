/**
 * Start commands written by people (a Procfile `web:` line, an npm `start` script) turned into a
 * Dockerfile CMD without ever letting the text choose what Berth's build does.
 *
 * - Plain words and quotes become an argv array: `CMD ["node","server.js","--port","8080"]`. No shell.
 * - Words that reference environment variables (`$PORT`, `${PORT}`, `${PORT:-3000}`, the Heroku idiom)
 *   need a shell to expand them, so they become `CMD ["/bin/sh","-c","exec node server.js --port $PORT"]`.
 *   Why that is acceptable: the text comes from the user's own repository and runs only inside the
 *   user's own container, which already runs their code; it is written as one JSON string, so it cannot
 *   add instructions to the Dockerfile; and it has been checked to contain nothing but words, quotes and
 *   variable references, so the shell does expansion and nothing else (`exec` makes the app PID 1, so it
 *   gets the stop signal directly).
 * - Anything else a shell would interpret (`;` `&` `|` `<` `>` backticks, `$(...)`, globs, `~`, `\`,
 *   comments, subshells) is rejected with a message suggesting a script file in the repository.
 */
import { AppError } from '../errors.js';

export type StartCommand =
  { kind: 'argv'; argv: string[]; source: string } | { kind: 'shell'; script: string; source: string };

const MAX_COMMAND_CHARS = 2000;
/** What is left of `$...` after the name: `${NAME}` or `${NAME:-default}` with a plain default. */
const BRACED_VARIABLE = /^\{[A-Za-z_][A-Za-z0-9_]*(:?[-=+?][A-Za-z0-9._/:@%+-]*)?\}/;
const BARE_VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*/;
/** Characters a POSIX shell gives a meaning to, outside quotes. */
const SHELL_SPECIAL = new Set([
  ';',
  '&',
  '|',
  '<',
  '>',
  '`',
  '(',
  ')',
  '{',
  '}',
  '*',
  '?',
  '[',
  ']',
  '~',
  '#',
  '!',
  '\\',
]);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function unsafe(source: string, why: string): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    `The ${source} command ${why}. Berth runs it without a shell; put the logic in a script file in your ` +
      'repository (for example `web: ./start.sh`) and call that instead.',
  );
}

interface Parsed {
  words: string[];
  /** Whether any word uses a variable reference (expanded by the shell at start). */
  expands: boolean;
}

/** Splits shell-like words with '…' and "…" quoting; throws on anything beyond words and variables. */
function parseWords(text: string, source: string): Parsed {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let expands = false;
  let i = 0;
  const variableAt = (at: number): number => {
    // Returns the length of the reference after `$`, or throws.
    const rest = text.slice(at + 1);
    const match = BRACED_VARIABLE.exec(rest) ?? BARE_VARIABLE.exec(rest);
    if (!match) throw unsafe(source, `uses "$${rest.slice(0, 1)}", which only a shell understands`);
    expands = true;
    return match[0].length;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      i += 1;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw unsafe(source, 'has an unclosed single quote');
      current += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        const inner = text[j]!;
        if (inner === '`' || inner === '\\') throw unsafe(source, `uses "${inner}" inside double quotes`);
        if (inner === '$') {
          const length = variableAt(j);
          current += text.slice(j, j + 1 + length);
          j += 1 + length;
        } else {
          current += inner;
          j += 1;
        }
      }
      if (j >= text.length) throw unsafe(source, 'has an unclosed double quote');
      inWord = true;
      i = j + 1;
    } else if (ch === '$') {
      const length = variableAt(i);
      current += text.slice(i, i + 1 + length);
      inWord = true;
      i += 1 + length;
    } else if (SHELL_SPECIAL.has(ch)) {
      throw unsafe(source, `uses "${ch}", which only a shell understands`);
    } else {
      current += ch;
      inWord = true;
      i += 1;
    }
  }
  if (inWord) words.push(current);
  return { words, expands };
}

/**
 * Turns a command line into a StartCommand, or throws VALIDATION_FAILED explaining why it cannot be run.
 * `source` names where it came from ("Procfile web", "npm start") for messages and the build log.
 */
export function parseStartCommand(text: string, source: string): StartCommand {
  const command = text.trim();
  if (command === '') throw new AppError('VALIDATION_FAILED', `The ${source} command is empty.`);
  if (command.length > MAX_COMMAND_CHARS) throw unsafe(source, `is longer than ${MAX_COMMAND_CHARS} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(command)) throw unsafe(source, 'contains control characters');
  const { words, expands } = parseWords(command, source);
  if (words.length === 0) throw new AppError('VALIDATION_FAILED', `The ${source} command is empty.`);
  const firstProgram = words.findIndex((w) => !ASSIGNMENT.test(w));
  if (firstProgram === -1) throw unsafe(source, 'only sets variables and runs nothing');
  // Leading NAME=value words mean "run with this variable set"; `env` does that without a shell.
  const viaEnv = firstProgram > 0;
  if (!expands) return { kind: 'argv', argv: viaEnv ? ['env', ...words] : words, source };
  // `exec` replaces the shell, so the app is PID 1 and receives the stop signal itself.
  return { kind: 'shell', script: `exec ${viaEnv ? 'env ' : ''}${command}`, source };
}

/** The JSON exec-form argv of a start command. */
export function commandArgv(command: StartCommand): string[] {
  return command.kind === 'argv' ? command.argv : ['/bin/sh', '-c', command.script];
}
