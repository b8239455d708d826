/**
 * bench:proxy's own machinery, which the numbers in the README rest on: a proxy it starts is stopped
 * cleanly (so `--cpu-prof` profiles get written), and the accounting's share is read right from a real
 * V8 CPU profile.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { profileShare, readProfile } from '../../bench/lib/cpu-profile-share.js';
import { freePort, startServer, stopServer } from '../../bench/lib/proxy-peers.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-bench-harness-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('bench:proxy harness', () => {
  it('stops a started server with SIGTERM: the readiness probe leaves no connection open', async () => {
    // A server that exits only once every connection is gone, as the proxy's close() does. The probe
    // that waited for its port used to stay connected, so the server was SIGKILLed 5 s later.
    const port = await freePort();
    const source =
      `const server = require('node:net').createServer(() => {}).listen(${port}, '127.0.0.1');` +
      `process.on('SIGTERM', () => server.close(() => process.exit(0)));`;
    const server = await startServer({
      name: 'probe-check',
      command: process.execPath,
      argv: ['-e', source],
      httpPort: port,
    });
    const started = Date.now();
    await stopServer(server);
    assert.equal(server.child.signalCode, null, 'killed, not exited');
    assert.equal(server.child.exitCode, 0);
    assert.ok(Date.now() - started < 4000, 'exited at once');
  });

  it('finds the accounting share in a real CPU profile', () => {
    // Two functions that burn the same time, one in a file the accounting's pattern matches (src/traffic).
    const app = join(dir, 'app');
    mkdirSync(join(app, 'traffic'), { recursive: true });
    writeFileSync(
      join(app, 'traffic', 'count.js'),
      'exports.count = (ms) => { const end = Date.now() + ms; let n = 0; while (Date.now() < end) n++; return n; };',
    );
    writeFileSync(
      join(app, 'proxy.js'),
      'exports.forward = (ms) => { const end = Date.now() + ms; let n = 0; while (Date.now() < end) n++; return n; };',
    );
    writeFileSync(
      join(app, 'main.js'),
      "const { count } = require('./traffic/count.js'); const { forward } = require('./proxy.js');\n" +
        'for (let i = 0; i < 40; i++) { forward(10); count(10); }',
    );
    const profiles = join(dir, 'profiles');
    const run = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profiles}`, join(app, 'main.js')]);
    assert.equal(run.status, 0, run.stderr.toString());
    const profile = readProfile(profiles);
    assert.ok(profile !== undefined);
    const share = profileShare(profile, 0);
    assert.ok(share.busyMs > 500, `busy ${share.busyMs} ms`);
    // Half the busy time, give or take the sampling, the start-up and preemption: both loops burn wall-clock
    // time, so on a loaded machine one can lose CPU to other processes (a CI run saw 34.8 %).
    assert.ok(share.accountingPercent > 25 && share.accountingPercent < 75, `${share.accountingPercent} %`);
    assert.equal(readProfile(join(dir, 'none')), undefined);
  });
});
