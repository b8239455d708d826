/**
 * The only importer of `yaml`: parses YAML (and JSON, which is a subset of YAML 1.2) keeping where each
 * value came from, so a validator can say "line 12: services.web.privileged". Anchors, aliases and `<<`
 * merges are resolved, with a cap on alias expansion (a "billion laughs" file is refused, not expanded).
 */
import { LineCounter, isNode, parseDocument, stringify, type Document } from 'yaml';

export type YamlPath = readonly (string | number)[];

export interface YamlProblem {
  line: number;
  message: string;
}

export interface ParsedYaml {
  /** The plain value (objects, arrays, strings, numbers, booleans, null), merges applied. */
  value: unknown;
  /** Syntax errors and duplicate keys; `value` is unusable when this is not empty. */
  problems: YamlProblem[];
  /** The 1-based line where the value at `path` starts (after merges: the line of the node it came from). */
  lineOf(path: YamlPath): number | undefined;
}

/** Alias expansion budget: enough for real compose files, far too little for an exponential blow-up. */
const MAX_ALIAS_COUNT = 200;

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: false });
  const problems: YamlProblem[] = doc.errors.map((error) => ({
    line: error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line,
    message: error.message.split('\n')[0] ?? error.message,
  }));
  let value: unknown = null;
  if (problems.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      problems.push({ line: 1, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return {
    value,
    problems,
    lineOf(path) {
      const node: unknown = doc.getIn(path, true);
      if (!isNode(node) || !node.range) return undefined;
      return lineCounter.linePos(node.range[0]).line;
    },
  };
}

/**
 * Several plain values as one YAML stream (`---` between documents), for files Berth writes for people
 * (exported manifests). `header` lines become `# ` comments at the top.
 */
export function toYamlStream(documents: readonly unknown[], header: readonly string[] = []): string {
  const comments = header.map((line) => (line === '' ? '#' : `# ${line}`)).join('\n');
  const body = documents.map((document) => stringify(document, { lineWidth: 0, aliasDuplicateObjects: false }));
  return `${comments ? `${comments}\n` : ''}${body.map((text) => `---\n${text}`).join('')}`;
}
