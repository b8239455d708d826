/** Small readers of compose values: string maps (list or map form), command words, durations. */
import type { YamlPath } from '../lib/yaml-document.js';
import { isMap, type ComposeReport } from './compose-report.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** `[KEY=value, …]` or `{KEY: value}`; with `allowBare`, `KEY` alone (or `KEY: null`) is an empty value. */
export function stringMap(
  value: unknown,
  path: YamlPath,
  report: ComposeReport,
  allowBare: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined || value === null) return out;
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item) => {
        const text = String(item);
        const eq = text.indexOf('=');
        return eq < 0 ? [text, null] : [text.slice(0, eq), text.slice(eq + 1)];
      })
    : isMap(value)
      ? Object.entries(value)
      : [];
  if (!Array.isArray(value) && !isMap(value)) report.problem(path, 'must be a list of KEY=value or a map');
  for (const [key, raw] of entries) {
    if (!ENV_NAME.test(key)) report.problem([...path, key], `${key} is not a valid name`);
    else if (raw === null && !allowBare) report.problem([...path, key], `${key} needs a value`);
    else if (isMap(raw) || Array.isArray(raw)) report.problem([...path, key], `${key} must be a plain value`);
    else out[key] = raw === null ? '' : String(raw);
  }
  return out;
}

/** A command as a list, or a string split into words the way compose does (quotes group, no shell). */
export function words(value: unknown, path: YamlPath, report: ComposeReport): string[] | undefined {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') {
    report.problem(path, 'must be a string or a list');
    return undefined;
  }
  const out: string[] = [];
  for (const match of value.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g))
    out.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? match[3]!));
  return out;
}

/** `10s`, `1m30s`, `500ms`, `2h` → milliseconds; a bare number is seconds. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string' || !/^(\d+(\.\d+)?(ms|us|s|m|h))+$/.test(value)) return undefined;
  const unit: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)(ms|us|s|m|h)/g)) total += Number(match[1]) * unit[match[2]!]!;
  return Math.round(total);
}
