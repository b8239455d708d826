import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/daemon-process.js';

const BIN = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));

function doctor(env: Record<string, string>) {
  const result = spawnSync(process.execPath, [BIN, 'doctor'], {
    env: {
      PATH: process.env.PATH,
      ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
      ...env,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, out: result.stdout + result.stderr };
}

describe('berth doctor', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-doctor-'));
  let ports: Record<string, string>;
  let squatter: Server;

  before(async () => {
    ports = {
      BERTH_DATA_DIR: dataDir,
      BERTH_PANEL_PORT: String(await freePort()),
      BERTH_HTTP_PORT: String(await freePort()),
      BERTH_HTTPS_PORT: String(await freePort()),
    };
  });
  after(() => {
    squatter?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says everything is in place on a healthy machine', () => {
    const { code, out } = doctor(ports);
    assert.equal(code, 0, out);
    assert.match(out, /\[ok {2}\] Docker \d+\.\d+/);
    assert.match(out, /data dir .* is writable/);
    assert.match(out, /Everything Berth needs is in place/);
  });

  it('names a port held by another program and the setting to change', async () => {
    squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(Number(ports.BERTH_HTTP_PORT), '0.0.0.0', resolve));
    const { code, out } = doctor(ports);
    assert.equal(code, 1);
    assert.match(out, /\[FAIL\] HTTP port \d+ is already in use by another program: stop it or set BERTH_HTTP_PORT/);
  });

  it('explains in words when Docker cannot be reached', () => {
    const { code, out } = doctor({
      ...ports,
      BERTH_HTTP_PORT: ports.BERTH_HTTPS_PORT!,
      DOCKER_HOST: 'unix:///tmp/berth-doctor-missing.sock',
    });
    assert.equal(code, 1);
    assert.match(
      out,
      /\[FAIL\] cannot reach the Docker engine at \/tmp\/berth-doctor-missing\.sock: .*Install Docker and start dockerd/,
    );
  });
});
