/**
 * Collects the problems and notes of one compose check, each problem with the line of its value. A value
 * that came in through a `<<` merge has no line of its own under the service, so the line is looked up
 * where it was written: the anchored map (an `x-` field or another service) holding the same key and value,
 * else the service's own first line.
 */
import { isDeepStrictEqual } from 'node:util';
import type { YamlPath } from '../lib/yaml-document.js';
import type { ComposeProblem } from './compose.types.js';

export type LineOf = (path: YamlPath) => number | undefined;

export class ComposeReport {
  readonly problems: ComposeProblem[] = [];
  readonly notes: string[] = [];

  constructor(
    private readonly lineOf: LineOf,
    private readonly root: Record<string, unknown>,
  ) {}

  /** A refused or malformed value at `path` (e.g. ['services', 'web', 'privileged']). */
  problem(path: YamlPath, message: string): void {
    this.problems.push({ line: this.lineFor(path), field: path.map(String).join('.') || '(root)', message });
  }

  note(message: string): void {
    if (!this.notes.includes(message)) this.notes.push(message);
  }

  lineFor(path: YamlPath): number | undefined {
    const own = this.lineOf(path);
    if (own !== undefined) return own;
    if (path[0] === 'services' && path.length >= 3) return this.mergedLine(path) ?? this.lineOf(path.slice(0, 2));
    for (let end = path.length - 1; end > 0; end--) {
      const line = this.lineOf(path.slice(0, end));
      if (line !== undefined) return line;
    }
    return undefined;
  }

  /** Where a merged `services.<name>.<key>` was written: an anchored map elsewhere with the same key and value. */
  private mergedLine(path: YamlPath): number | undefined {
    const [, service, key] = path;
    const services = this.root.services as Record<string, Record<string, unknown>> | undefined;
    const value = services?.[String(service)]?.[String(key)];
    const candidates: YamlPath[] = [
      ...Object.keys(this.root)
        .filter((name) => name.startsWith('x-'))
        .map((name) => [name]),
      ...Object.keys(services ?? {})
        .filter((name) => name !== service)
        .map((name) => ['services', name]),
    ];
    for (const base of candidates) {
      const holder = base.reduce<unknown>((at, segment) => (isMap(at) ? at[String(segment)] : undefined), this.root);
      if (isMap(holder) && String(key) in holder && isDeepStrictEqual(holder[String(key)], value)) {
        const line = this.lineOf([...base, String(key), ...path.slice(3)]) ?? this.lineOf([...base, String(key)]);
        if (line !== undefined) return line;
      }
    }
    return undefined;
  }
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
