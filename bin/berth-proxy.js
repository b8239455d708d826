#!/usr/bin/env node
// The app proxy's process tree (BERTH_PROXY_MODE=process): the daemon starts this detached; node:cluster
// runs this same file again for every worker. In a checkout (src/ present) it runs the TypeScript sources
// through tsx, like bin/berth.js; the container image ships only the compiled dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'proxy-main.ts');
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(join(root, 'dist', 'proxy-main.js')).href);
}
