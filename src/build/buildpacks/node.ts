/**
 * node: a package.json. Starts the way `npm start` would: the `start` script, else `main`, else
 * server.js or index.js. A simple start script (plain words, no pre/post hooks) is run directly, so
 * the app is PID 1 and receives the stop signal; anything else goes through `npm start` as npm intends.
 */
import { AppError } from '../../errors.js';
import { checkRelativePath, type SourceTree } from '../source-tree.js';
import { parseStartCommand, type StartCommand } from '../start-command.js';
import { asPackageJson, nodeInstall, scriptOf, type PackageJson } from './node-install.js';
import type { Buildpack, Detected, Miss } from './types.js';

const ENTRY_FILES = ['server.js', 'index.js'];

async function startCommand(tree: SourceTree, pkg: PackageJson): Promise<StartCommand | undefined> {
  const start = scriptOf(pkg, 'start');
  if (start !== undefined) {
    const hooks = scriptOf(pkg, 'prestart') !== undefined || scriptOf(pkg, 'poststart') !== undefined;
    try {
      const parsed = parseStartCommand(start, 'npm start script');
      if (parsed.kind === 'argv' && !hooks) return { ...parsed, source: 'the start script' };
    } catch (err) {
      // Shell syntax in a start script is fine: npm runs it with a shell, inside the app's container.
      if (!(err instanceof AppError)) throw err;
    }
    return { kind: 'argv', argv: ['npm', 'start'], source: 'the start script (through npm start)' };
  }
  if (typeof pkg.main === 'string') {
    let main: string | undefined;
    try {
      main = checkRelativePath(pkg.main, 'main entry of package.json');
    } catch {
      main = undefined;
    }
    if (main !== undefined && main !== '.' && (await tree.isFile(main))) {
      return { kind: 'argv', argv: ['node', main], source: 'the main entry of package.json' };
    }
  }
  for (const file of ENTRY_FILES) {
    if (await tree.isFile(file)) return { kind: 'argv', argv: ['node', file], source: file };
  }
  return undefined;
}

export const nodeBuildpack: Buildpack = {
  name: 'node',
  images: ['node'],
  runtimeHasShell: true,
  async detect(tree: SourceTree): Promise<Detected | Miss | undefined> {
    if (!(await tree.isFile('package.json'))) return undefined;
    const pkg = asPackageJson(await tree.readJson('package.json'));
    const install = await nodeInstall(tree, pkg);
    const start = await startCommand(tree, pkg);
    return {
      found: install.lockfile ? ['package.json', install.lockfile] : ['package.json'],
      facts: { ...install },
      start,
      missingStart:
        'package.json has no start script, no main entry, and there is no server.js or index.js; ' +
        'add a "start" script to package.json or a Procfile with a web: line',
    };
  },
};
