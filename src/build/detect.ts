/**
 * Decides how a source is built. In order:
 *   1. the service's Dockerfile (build.dockerfilePath, relative to build.context), or a `Dockerfile` in
 *      the context: the repository's own build wins;
 *   2. the buildpack forced by build.buildpack, if set;
 *   3. the first buildpack whose detector matches: node, python, go, static.
 * A Procfile `web:` line in the context overrides the start command of any buildpack. The result
 * carries one human line for the build log ("Using the node buildpack: found package.json and
 * package-lock.json") and, for a buildpack, the generated Dockerfile text.
 */
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { BuildSettings } from '../projects/service.types.js';
import { BUILDPACKS } from './buildpacks/index.js';
import { isBuildpackName, isMiss, type Buildpack, type BuildpackName, type Detected } from './buildpacks/types.js';
import { renderDockerfile } from './dockerfile-template.js';
import { procfileStartCommand } from './procfile.js';
import { checkRelativePath, SourceTree } from './source-tree.js';
import { commandArgv, type StartCommand } from './start-command.js';

export type BuildPlan =
  | {
      kind: 'dockerfile';
      /** Dockerfile path relative to `context`. */
      dockerfile: string;
      /** Absolute build context directory. */
      context: string;
      explanation: string;
    }
  | {
      kind: 'buildpack';
      name: BuildpackName;
      /** The generated Dockerfile's text. */
      dockerfile: string;
      context: string;
      facts: Record<string, unknown>;
      /** The CMD the image runs, and where it came from. */
      start: StartCommand;
      /** Build args the generated Dockerfile needs (Berth's own). */
      buildArgs: Record<string, string>;
      explanation: string;
    };

function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

async function openContext(sourceDir: string, settings: BuildSettings): Promise<{ tree: SourceTree; label: string }> {
  const root = await SourceTree.open(sourceDir);
  const rel = checkRelativePath(settings.context ?? '.', 'build context');
  if (rel === '.') return { tree: root, label: 'the repository root' };
  const tree = await root.subtree(rel);
  if (!tree)
    throw new AppError('VALIDATION_FAILED', `The build context "${rel}" is not a directory in the repository.`);
  return { tree, label: `${rel}/` };
}

async function dockerfilePlan(
  tree: SourceTree,
  settings: BuildSettings,
  label: string,
): Promise<BuildPlan | undefined> {
  if (settings.dockerfilePath !== undefined && settings.dockerfilePath.trim() !== '') {
    const path = checkRelativePath(settings.dockerfilePath, 'Dockerfile path');
    if (!(await tree.isFile(path))) {
      throw new AppError('VALIDATION_FAILED', `No Dockerfile at "${path}" in ${label}, as the build settings say.`);
    }
    return { kind: 'dockerfile', dockerfile: path, context: tree.root, explanation: `Using ${path} in ${label}` };
  }
  if (await tree.isFile('Dockerfile')) {
    return {
      kind: 'dockerfile',
      dockerfile: 'Dockerfile',
      context: tree.root,
      explanation: `Using the Dockerfile in ${label}`,
    };
  }
  return undefined;
}

/** The Procfile's web command, checked against what the buildpack's runtime image can run. */
async function procfileCommand(tree: SourceTree, buildpack: Buildpack): Promise<StartCommand | undefined> {
  const text = await tree.readText('Procfile');
  if (text === undefined) return undefined;
  const command = procfileStartCommand(text);
  if (command?.kind === 'shell' && !buildpack.runtimeHasShell) {
    throw new AppError(
      'VALIDATION_FAILED',
      `The Procfile web command uses variables, but the ${buildpack.name} buildpack's runtime image has no shell to ` +
        'expand them; read the value from the environment in the program instead.',
    );
  }
  return command;
}

function plan(
  buildpack: Buildpack,
  detected: Detected,
  start: StartCommand,
  tree: SourceTree,
  config: Pick<Config, 'buildpackImages'> & Partial<Pick<Config, 'buildCaFile'>>,
): BuildPlan {
  const explanation = `Using the ${buildpack.name} buildpack: found ${listWords(detected.found)}; starting with ${start.source}`;
  const buildArgs = detected.buildArgs ?? {};
  const dockerfile = renderDockerfile(buildpack.name, {
    explanation,
    images: { ...config.buildpackImages },
    facts: detected.facts,
    command: commandArgv(start),
    buildArgs: Object.keys(buildArgs),
    buildCa: config.buildCaFile !== undefined,
  });
  return {
    kind: 'buildpack',
    name: buildpack.name,
    dockerfile,
    context: tree.root,
    facts: detected.facts,
    start,
    buildArgs,
    explanation,
  };
}

export async function detectBuild(
  sourceDir: string,
  settings: BuildSettings,
  config: Pick<Config, 'buildpackImages'> & Partial<Pick<Config, 'buildCaFile'>>,
): Promise<BuildPlan> {
  const { tree, label } = await openContext(sourceDir, settings);
  const own = settings.builder === 'buildpack' ? undefined : await dockerfilePlan(tree, settings, label);
  if (own) return own;

  let candidates: readonly Buildpack[] = BUILDPACKS;
  if (settings.buildpack !== undefined && settings.buildpack !== '') {
    const forced = settings.buildpack;
    if (!isBuildpackName(forced)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `Unknown buildpack "${forced}"; choose one of ${BUILDPACKS.map((b) => b.name).join(', ')}.`,
      );
    }
    candidates = BUILDPACKS.filter((b) => b.name === forced);
  }

  const misses: string[] = [];
  for (const buildpack of candidates) {
    const detected = await buildpack.detect(tree);
    if (detected === undefined) continue;
    if (isMiss(detected)) {
      misses.push(`${buildpack.name}: ${detected.miss}`);
      continue;
    }
    const procfile = await procfileCommand(tree, buildpack);
    const start = procfile ?? detected.start;
    if (start === undefined) {
      misses.push(`${buildpack.name}: ${detected.missingStart ?? 'no start command found'}`);
      continue;
    }
    return plan(buildpack, detected, start, tree, config);
  }

  const forcedNote =
    candidates.length === 1 ? `The ${candidates[0]!.name} buildpack was chosen in the build settings, but ` : '';
  const why = misses.length > 0 ? ` ${misses.join('; ')}.` : '';
  throw new AppError(
    'VALIDATION_FAILED',
    `${forcedNote}Berth does not know how to build ${label}: there is no Dockerfile and no buildpack matched ` +
      `(node: package.json, python: requirements.txt or pyproject.toml, go: go.mod, static: index.html).${why}`,
  );
}
