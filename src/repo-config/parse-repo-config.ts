/**
 * Reads the text of a berth.json (JSON, parsed as YAML so every value keeps its line) or of a berth.toml
 * (src/lib/toml-document.ts, which finds lines from the text) and checks it: first
 * against the published schema, then the rules a schema cannot say (a start command Berth can run without
 * a shell, a release command that splits into words, no secret values). Every problem names the line and
 * the field: "berth.json line 7: healthcheck.path must start with /".
 */
import { isAppError } from '../errors.js';
import { compileSchema, type SchemaProblem } from '../lib/json-schema.js';
import { parseToml } from '../lib/toml-document.js';
import { parseYaml, type YamlPath } from '../lib/yaml-document.js';
import { parseStartCommand } from '../build/start-command.js';
import { splitCommand } from '../deploys/command-line.js';
import { BERTH_SCHEMA } from './berth-schema.js';
import type { RepoConfigFile } from './repo-config.types.js';
import { secretProblems } from './secret-values.js';

export const CONFIG_FILE_NAME = 'berth.json';
/** The same settings in TOML; a repository holds one of the two (both: the deploy fails naming both). */
export const TOML_CONFIG_FILE_NAME = 'berth.toml';

export type ParsedRepoConfig = { ok: true; config: RepoConfigFile } | { ok: false; problems: string[] };

const check = compileSchema(BERTH_SCHEMA);
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,62}$/;
/** Worker process type names, as in a Procfile; web and release are the file's `start` and `release`. */
const PROCESS_NAME = /^(?!web$|release$)[a-z0-9][a-z0-9_-]{0,29}$/;
/** For each object whose keys are names: the rule and the words for a name that breaks it. */
const NAME_RULES: Record<string, [RegExp, string]> = {
  environments: [ENVIRONMENT_NAME, 'is not an environment name (lowercase letters, digits and -)'],
  processes: [
    PROCESS_NAME,
    'is not a process type name (lowercase letters, digits, - and _, at most 30; web is `start`, release is `release`)',
  ],
  variables: [VARIABLE_NAME, 'is not a variable name (letters, digits and _, not starting with a digit)'],
};

/** Clearer words than the validator's for the checks people get wrong most. */
const PATTERN_WORDS: Record<string, string> = {
  path: 'must start with / and hold only URL path characters (for example /healthz)',
  dockerfilePath: 'must be a path inside the build context, of letters, digits, ".", "_", "-" and "/"',
  watchPaths: 'must be a path pattern on one line',
  processes:
    'names process types in lowercase letters, digits, "-" and "_" (at most 30); web is `start`, release is `release`',
};
const ENUM_WORDS: Record<string, string> = {
  builder: 'must be "dockerfile" or "buildpack"',
  buildpack: 'must be one of node, python, go, static',
  type: 'must be "http" or "tcp"',
  databases: 'must be "empty" or "seed" (from production\'s latest verified backup)',
};

interface Problem {
  path: YamlPath;
  message: string;
}

/** Checks a berth.json, or a berth.toml when `fileName` ends in .toml (the same schema and rules for both). */
export function parseRepoConfig(text: string, fileName = CONFIG_FILE_NAME): ParsedRepoConfig {
  const yaml = fileName.endsWith('.toml') ? parseToml(text) : parseYaml(text);
  if (yaml.problems.length > 0) {
    return { ok: false, problems: yaml.problems.map((p) => `${fileName} line ${p.line}: ${p.message}`) };
  }
  const located = (problem: Problem): { line: number; text: string } => {
    const field = problem.path.length === 0 ? '' : `${problem.path.map(String).join('.')} `;
    const line = lineOf(yaml.lineOf, problem.path);
    return { line, text: `${fileName} line ${line}: ${field}${problem.message}` };
  };
  const schemaProblems = schemaCheck(yaml.value);
  // The rules beyond the schema run on whatever has the right shape, so one pass names every mistake.
  const file = isObject(yaml.value) ? yaml.value : {};
  const problems = [
    ...schemaProblems,
    ...settingsProblems(file, []),
    ...Object.entries(isObject(file.environments) ? file.environments : {}).flatMap(([name, settings]) =>
      isObject(settings) ? settingsProblems(settings, ['environments', name]) : [],
    ),
  ];
  if (problems.length > 0) {
    const sorted = problems.map(located).sort((a, b) => a.line - b.line);
    return { ok: false, problems: unique(sorted.map((p) => p.text)) };
  }
  return { ok: true, config: yaml.value as RepoConfigFile };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Schema problems, in plain words; a bad key of an object is named itself (the validator names only the object). */
function schemaCheck(value: unknown): Problem[] {
  const problems = check(value);
  const badNames = new Set(
    problems.filter((p) => p.message === 'property name must be valid').map((p) => JSON.stringify(p.path)),
  );
  return problems.flatMap((problem): Problem[] => {
    const key = JSON.stringify(problem.path);
    if (!badNames.has(key)) return [reword(problem)];
    if (problem.message !== 'property name must be valid') return [];
    const holder = problem.path.reduce<unknown>((at, segment) => (isObject(at) ? at[segment] : undefined), value);
    const [allowed, words] = NAME_RULES[String(problem.path.at(-1))] ?? NAME_RULES.variables!;
    return Object.keys(isObject(holder) ? holder : {})
      .filter((name) => !allowed.test(name))
      .map((name) => ({ path: [...problem.path, name], message: words }));
  });
}

/** The line of the nearest value along `path` that the file has (a missing key: its object's line). */
function lineOf(find: (path: YamlPath) => number | undefined, path: YamlPath): number {
  for (let end = path.length; end >= 0; end--) {
    const line = find(path.slice(0, end));
    if (line !== undefined) return line;
  }
  return 1;
}

function reword(problem: SchemaProblem): Problem {
  const last = problem.path.filter((p) => typeof p === 'string').at(-1) ?? '';
  if (problem.message.startsWith('must match pattern') && PATTERN_WORDS[last])
    return { path: problem.path, message: PATTERN_WORDS[last] };
  if (problem.message === 'must be equal to one of the allowed values' && ENUM_WORDS[last])
    return { path: problem.path, message: ENUM_WORDS[last] };
  if (problem.message === 'must be object' && problem.path.length === 0)
    return { path: [], message: 'must hold one JSON object, such as {"start": "node server.js"}' };
  return { path: problem.path, message: problem.message };
}

function settingsProblems(settings: Record<string, unknown>, at: YamlPath): Problem[] {
  const problems: Problem[] = [];
  if (typeof settings.start === 'string') {
    try {
      parseStartCommand(settings.start, 'berth.json start');
    } catch (error) {
      if (!isAppError(error)) throw error;
      problems.push({ path: [...at, 'start'], message: `is not a command Berth can run: ${error.message}` });
    }
  }
  for (const [type, text] of Object.entries(isObject(settings.processes) ? settings.processes : {})) {
    if (typeof text !== 'string') continue;
    try {
      parseStartCommand(text, `berth.json processes.${type}`);
    } catch (error) {
      if (!isAppError(error)) throw error;
      problems.push({ path: [...at, 'processes', type], message: `is not a command Berth can run: ${error.message}` });
    }
  }
  if (typeof settings.release === 'string') {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(settings.release)) {
      problems.push({ path: [...at, 'release'], message: 'must be one line of printable text' });
    } else {
      try {
        splitCommand(settings.release);
      } catch (error) {
        if (!isAppError(error)) throw error;
        problems.push({ path: [...at, 'release'], message: error.message.replace(/^The command /, '') });
      }
    }
  }
  const variables = isObject(settings.variables) ? settings.variables : {};
  const literal = Object.fromEntries(Object.entries(variables).filter(([, v]) => typeof v === 'string')) as Record<
    string,
    string
  >;
  for (const { key, message } of secretProblems(literal)) {
    problems.push({ path: [...at, 'variables', key], message });
  }
  return problems;
}

function unique(lines: string[]): string[] {
  return [...new Set(lines)];
}
