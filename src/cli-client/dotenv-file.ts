/**
 * A .env file for `berth vars import`: KEY=value lines, `export ` allowed, # comments, single quotes
 * literal, double quotes with \n escapes. The client has its own small reader (it imports no feature code);
 * the server checks names and values again.
 */
import { AppError } from '../errors.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseDotenv(text: string, source: string): Record<string, string> {
  const result: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const body = line.startsWith('export ') ? line.slice(7).trim() : line;
    const eq = body.indexOf('=');
    const key = eq > 0 ? body.slice(0, eq).trim() : '';
    if (!KEY.test(key)) throw new AppError('BAD_REQUEST', `${source}:${index + 1}: expected KEY=value`);
    result[key] = unquote(body.slice(eq + 1).trim());
  });
  return result;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
    return value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  const comment = value.search(/\s#/);
  return comment >= 0 ? value.slice(0, comment).trimEnd() : value;
}
