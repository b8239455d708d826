/**
 * go: a go.mod. Builds the main package at the root, or under cmd/<name>/, into a static binary at
 * /app/bin/<name> (where Heroku's Go buildpack puts it, so a Procfile `web: bin/<name>` keeps working)
 * and copies it into a small runtime image without a shell.
 */
import type { SourceTree } from '../source-tree.js';
import type { Buildpack, Detected, Miss } from './types.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const GO_VERSION = /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m;
const MODULE = /^module\s+("?)([^\s"]+)\1\s*$/m;

async function hasMainPackage(tree: SourceTree, dir: string): Promise<boolean> {
  for (const file of await tree.list(dir)) {
    if (!file.endsWith('.go') || file.endsWith('_test.go')) continue;
    const text = await tree.readText(dir === '.' ? file : `${dir}/${file}`);
    if (text !== undefined && /^package\s+main\b/m.test(text)) return true;
  }
  return false;
}

/** The binary's name: the module path's last element (skipping a /vN major suffix). */
function binaryName(modulePath: string | undefined): string {
  const parts = (modulePath ?? '').split('/').filter(Boolean);
  let last = parts.pop();
  if (last !== undefined && /^v\d+$/.test(last)) last = parts.pop();
  return last !== undefined && NAME.test(last) ? last : 'app';
}

export const goBuildpack: Buildpack = {
  name: 'go',
  images: ['go', 'go-runtime'],
  // The default runtime image (distroless) has no shell.
  runtimeHasShell: false,
  async detect(tree: SourceTree): Promise<Detected | Miss | undefined> {
    const gomod = await tree.readText('go.mod');
    if (gomod === undefined) return undefined;
    const modulePath = MODULE.exec(gomod)?.[2];
    let target: string | undefined;
    let binary = binaryName(modulePath);
    if (await hasMainPackage(tree, '.')) {
      target = '.';
    } else {
      const commands: string[] = [];
      for (const dir of await tree.list('cmd')) {
        if (NAME.test(dir) && (await hasMainPackage(tree, `cmd/${dir}`))) commands.push(dir);
      }
      // Prefer the command named like the module; otherwise the first in alphabetical order.
      const chosen = commands.find((c) => c === binary) ?? commands[0];
      if (chosen !== undefined) {
        target = `./cmd/${chosen}`;
        binary = chosen;
      }
    }
    if (target === undefined) {
      return { miss: 'go.mod was found but no main package at the root or in cmd/<name>/' };
    }
    return {
      found: ['go.mod', ...(target === '.' ? [] : [target.slice(2)])],
      facts: {
        hasGoSum: await tree.isFile('go.sum'),
        target,
        binary,
        goVersion: GO_VERSION.exec(gomod)?.[1] ?? null,
      },
      start: { kind: 'argv', argv: [`/app/bin/${binary}`], source: `the ${binary} binary` },
    };
  },
};
