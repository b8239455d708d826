/**
 * The only importer of `smol-toml`: parses a TOML document (berth.toml) into plain values and says where a
 * syntax error is ("line 4: ..."). TOML has no source map in the parser, so `lineOf` finds a value's line
 * from the text itself: the `[table]` header or `key =` line of each path segment in turn (tables, dotted
 * keys and inline tables on one line are all found; a key repeated in another table is found after the
 * header of its own table). Dates become their TOML text, so a validator sees a string, not an object.
 */
import { TomlDate, TomlError, parse } from 'smol-toml';

export type TomlPath = readonly (string | number)[];

export interface TomlProblem {
  line: number;
  message: string;
}

export interface ParsedToml {
  /** The plain value (tables as objects, arrays, strings, numbers, booleans); null when there are problems. */
  value: unknown;
  /** Syntax errors (with their line); `value` is unusable when this is not empty. */
  problems: TomlProblem[];
  /** The 1-based line of the value at `path`, when the text shows it; undefined otherwise. */
  lineOf(path: TomlPath): number | undefined;
}

export function parseToml(text: string): ParsedToml {
  const lines = text.split(/\r?\n/);
  const lineOf = (path: TomlPath) => findLine(lines, path);
  try {
    return { value: plain(parse(text)), problems: [], lineOf };
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const message = (error.message.split('\n')[0] ?? error.message).replace(/^Invalid TOML document: /, '');
    return { value: null, problems: [{ line: error.line, message }], lineOf };
  }
}

function plain(value: unknown): unknown {
  if (value instanceof TomlDate) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  }
  return value;
}

const quoted = (key: string) => `(?:${escape(key)}|"${escape(key)}"|'${escape(key)}')`;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function findLine(lines: readonly string[], path: TomlPath): number | undefined {
  const keys = path.filter((segment): segment is string => typeof segment === 'string');
  if (keys.length === 0) return path.length === 0 ? 1 : undefined;
  // The deepest table header that is a prefix of the path: `[a.b]` or `[[a.b]]`.
  for (let depth = keys.length; depth >= 1; depth--) {
    const header = new RegExp(`^\\s*\\[\\[?\\s*${keys.slice(0, depth).map(quoted).join('\\s*\\.\\s*')}\\s*\\]\\]?`);
    const at = lines.findIndex((line) => header.test(line));
    if (at === -1) continue;
    if (depth === keys.length) return at + 1;
    const found = keyLine(lines, at + 1, keys.slice(depth));
    if (found !== undefined) return found;
  }
  return keyLine(lines, 0, keys);
}

/** The line from `start` (to the next table header) where the dotted key, or its first segment, is set. */
function keyLine(lines: readonly string[], start: number, keys: readonly string[]): number | undefined {
  for (let take = keys.length; take >= 1; take--) {
    const key = new RegExp(`^\\s*${keys.slice(0, take).map(quoted).join('\\s*\\.\\s*')}\\s*[=.]`);
    for (let index = start; index < lines.length; index++) {
      if (index > start && /^\s*\[/.test(lines[index]!)) break;
      if (key.test(lines[index]!)) return index + 1;
    }
  }
  return undefined;
}
