// Preloaded with NODE_OPTIONS=--import=<this file> and BERTH_TEST_MODULES_DIR=<dir> by
// test/integration/idle-modules.test.ts: each Node process (the daemon, the proxy's supervisor and
// workers) writes `<dir>/<pid>.txt`, its role on the first line, then every module it loaded: ESM URLs
// as they load, and the CommonJS module cache when it exits.
import cluster from 'node:cluster';
import { appendFileSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { join } from 'node:path';

const dir = process.env.BERTH_TEST_MODULES_DIR;
if (dir) {
  const file = join(dir, `${process.pid}.txt`);
  const role = cluster.isWorker ? 'cluster-worker' : process.argv.slice(1).join(' ');
  writeFileSync(file, `role: ${role}\n`);
  register(new URL('./loaded-modules-hooks.mjs', import.meta.url), { data: { file } });
  const require = createRequire(import.meta.url);
  process.on('exit', () => {
    const cached = Object.keys(require('node:module')._cache);
    appendFileSync(file, cached.map((path) => `${path}\n`).join(''));
  });
}
