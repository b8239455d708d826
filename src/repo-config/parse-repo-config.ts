/**
 * Reads the text of a berth.json (JSON, parsed as YAML so every value keeps its line) and checks it: first
 * against the published schema, then the rules a schema cannot say (a start command Berth can run without
 * a shell, a release command that splits into words, no secret values). Every problem names the line and
 * the field: "berth.json line 7: healthcheck.path must start with /".
 */
import { isAppError } from '../errors.js';
import { compileSchema, type SchemaProblem } from '../lib/json-schema.js';
import { parseYaml, type YamlPath } from '../lib/yaml-document.js';
import { parseStartCommand } from '../build/start-command.js';
import { splitCommand } from '../deploys/command-line.js';
import { BERTH_SCHEMA } from './berth-schema.js';
import type { RepoConfigFile, RepoSettings } from './repo-config.types.js';
import { secretProblems } from './secret-values.js';

export const CONFIG_FILE_NAME = 'berth.json';

export type ParsedRepoConfig = { ok: true; config: RepoConfigFile } | { ok: false; problems: string[] };

const check = compileSchema(BERTH_SCHEMA);

/** Clearer words than the validator's for the checks people get wrong most. */
const PATTERN_WORDS: Record<string, string> = {
  path: 'must start with / and hold only URL path characters (for example /healthz)',
  dockerfilePath: 'must be a relative path of letters, digits, ".", "_", "-" and "/"',
  watchPaths: 'must be a path pattern on one line',
};
const ENUM_WORDS: Record<string, string> = {
  builder: 'must be "dockerfile" or "buildpack"',
  buildpack: 'must be one of node, python, go, static',
  type: 'must be "http" or "tcp"',
};

interface Problem {
  path: YamlPath;
  message: string;
}

export function parseRepoConfig(text: string, fileName = CONFIG_FILE_NAME): ParsedRepoConfig {
  const yaml = parseYaml(text);
  if (yaml.problems.length > 0) {
    return { ok: false, problems: yaml.problems.map((p) => `${fileName} line ${p.line}: ${p.message}`) };
  }
  const located = (problem: Problem): string => {
    const field = problem.path.length === 0 ? '' : `${problem.path.map(String).join('.')} `;
    return `${fileName} line ${lineOf(yaml.lineOf, problem.path)}: ${field}${problem.message}`;
  };
  const schemaProblems = check(yaml.value).map(reword);
  if (schemaProblems.length > 0) return { ok: false, problems: unique(schemaProblems.map(located)) };
  const config = yaml.value as RepoConfigFile;
  const problems = [
    ...settingsProblems(config, []),
    ...Object.entries(config.environments ?? {}).flatMap(([name, settings]) =>
      settingsProblems(settings, ['environments', name]),
    ),
  ];
  if (problems.length > 0) return { ok: false, problems: problems.map(located) };
  return { ok: true, config };
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
  if (problem.message === 'property name must be valid')
    return { path: problem.path, message: 'has a key that is not allowed here (names are letters, digits and _)' };
  if (problem.message === 'must be object' && problem.path.length === 0)
    return { path: [], message: 'must hold one JSON object, such as {"start": "node server.js"}' };
  return { path: problem.path, message: problem.message };
}

function settingsProblems(settings: RepoSettings, at: YamlPath): Problem[] {
  const problems: Problem[] = [];
  if (settings.start !== undefined) {
    try {
      parseStartCommand(settings.start, 'berth.json start');
    } catch (error) {
      if (!isAppError(error)) throw error;
      problems.push({ path: [...at, 'start'], message: `is not a command Berth can run: ${error.message}` });
    }
  }
  if (settings.release !== undefined) {
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
  for (const { key, message } of secretProblems(settings.variables ?? {})) {
    problems.push({ path: [...at, 'variables', key], message });
  }
  return problems;
}

function unique(lines: string[]): string[] {
  return [...new Set(lines)];
}
