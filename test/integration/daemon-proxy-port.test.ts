import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { freePort, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';

describe('app proxy port already taken', () => {
  let squatter: Server | undefined;
  let daemon: DaemonProcess | undefined;
  after(async () => {
    await daemon?.stop();
    squatter?.close();
  });

  it('keeps the panel running and says in the log why the proxy is not listening', async () => {
    const port = await freePort();
    squatter = createServer();
    await new Promise<void>((resolve) => squatter!.listen(port, '127.0.0.1', resolve));
    daemon = await startDaemonProcess({ env: { BERTH_HTTP_PORT: String(port), BERTH_PROXY_HOST: '127.0.0.1' } });
    const health = await fetch(`${daemon.baseUrl}/healthz`);
    assert.equal(health.status, 200);
    assert.match(daemon.output(), /"msg":"the app proxy is not listening"/);
    assert.match(daemon.output(), new RegExp(`"port":${port}`));
  });
});
