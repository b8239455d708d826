// Module hooks for loaded-modules-preload.mjs: every module URL the ESM loader loads is appended to the
// process's list (CommonJS packages imported from ESM come through here too; their own require() calls
// are added by the preload at exit).
import { appendFileSync } from 'node:fs';

let file = '';

export function initialize(data) {
  file = data.file;
}

export async function load(url, context, nextLoad) {
  appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
