/**
 * The proxy's handover drain (src/proxy/listener-drain.ts) on a real HTTP server and real keep-alive
 * clients: new connections are refused, a request on an open keep-alive connection is still answered
 * (with `Connection: close`, and the connection then ends), and the drain ends once the last one has.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { drainListeners } from '../../src/proxy/listener-drain.js';

function request(port: number, agent: http.Agent): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      })
      .on('error', reject);
  });
}

describe('listener drain (proxy handover)', () => {
  it('answers what comes on open connections with Connection: close, refuses new ones, ends when they end', async () => {
    const server = http.createServer({ keepAliveTimeout: 30_000 }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.deepEqual(await request(port, agent), { status: 200, connection: 'keep-alive' });
      let goneAway = false;
      let isDrained = false;
      const drained = drainListeners([server], () => (goneAway = true)).then(() => (isDrained = true));
      assert.ok(goneAway);
      // The idle keep-alive connection was not cut: the next request on it is answered, then it closes.
      assert.deepEqual(await request(port, agent), { status: 200, connection: 'close' });
      await drained;
      assert.ok(isDrained);
      await assert.rejects(request(port, new http.Agent()), /ECONNREFUSED/);
    } finally {
      agent.destroy();
      server.closeAllConnections();
    }
  });
});
