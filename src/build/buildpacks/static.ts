/**
 * static: a site with index.html at the root or in dist/, build/ or public/, or a package.json with a
 * build script whose output lands in one of those. Served by Berth's own zero-dependency Node file
 * server (buildpacks/static/server.mjs), which the image receives as a build arg.
 */
import { readFile } from 'node:fs/promises';
import type { SourceTree } from '../source-tree.js';
import { BUILDPACKS_DIR } from '../dockerfile-template.js';
import { asPackageJson, nodeInstall, scriptOf } from './node-install.js';
import type { Buildpack, Detected, Miss } from './types.js';

/** Where a site's index.html may be: the root first, then the usual build output directories. */
export const SITE_DIRS = ['.', 'dist', 'build', 'public'] as const;
export const STATIC_SERVER_PATH = '/usr/local/lib/berth/static-server.mjs';
export const SITE_ROOT = '/srv/site';

let serverSource: Promise<string> | undefined;
function staticServerSource(): Promise<string> {
  serverSource ??= readFile(new URL('static/server.mjs', BUILDPACKS_DIR), 'utf8');
  return serverSource;
}

export const staticBuildpack: Buildpack = {
  name: 'static',
  images: ['static', 'node'],
  runtimeHasShell: true,
  async detect(tree: SourceTree): Promise<Detected | Miss | undefined> {
    const pkg = (await tree.isFile('package.json')) ? asPackageJson(await tree.readJson('package.json')) : undefined;
    // A build script decides: its output (not a public/index.html template) is the site.
    const npmBuild = pkg && scriptOf(pkg, 'build') !== undefined ? await nodeInstall(tree, pkg) : null;
    let siteDir: string | null = null;
    if (!npmBuild) {
      for (const dir of SITE_DIRS) {
        if (await tree.isFile(dir === '.' ? 'index.html' : `${dir}/index.html`)) {
          siteDir = dir;
          break;
        }
      }
      if (siteDir === null) return undefined;
    }
    return {
      found: npmBuild
        ? ['package.json with a build script']
        : [siteDir === '.' ? 'index.html' : `${siteDir}/index.html`],
      facts: {
        siteDir,
        npmBuild,
        buildOutputDirs: SITE_DIRS.filter((d) => d !== '.'),
        serverPath: STATIC_SERVER_PATH,
        siteRoot: SITE_ROOT,
      },
      start: { kind: 'argv', argv: ['node', STATIC_SERVER_PATH, SITE_ROOT], source: "Berth's static file server" },
      buildArgs: { BERTH_STATIC_SERVER: await staticServerSource() },
    };
  },
};
