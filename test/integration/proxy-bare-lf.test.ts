/**
 * An app whose response header lines end with a bare LF instead of CRLF. Decided: Berth's proxy keeps
 * Node's strict HTTP/1.1 parser for app responses (relaxing it relaxes the other checks that keep a
 * pooled upstream connection from being desynchronised too), so the client gets a 502, and the log says
 * why in words a person can act on: an invalid response, with the parser's code. README, "The app proxy".
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { AppProxy } from '../../src/proxy/proxy-server.js';
import { RouteTable } from '../../src/proxy/route-table.js';
import { get } from '../helpers/load.js';

/** A raw TCP "app" that answers every request with the given bytes. */
async function rawUpstream(response: string): Promise<Server> {
  const server = createServer((socket: Socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end(response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('an app answering with bare-LF header lines', () => {
  const routes = new RouteTable();
  const logLines: string[] = [];
  let bare: Server;
  let proper: Server;
  let proxy: AppProxy;
  let port: number;

  before(async () => {
    bare = await rawUpstream('HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 2\n\nok');
    proper = await rawUpstream('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok');
    routes.setRoute(['bare.localhost'], 'svc_bare', [
      { id: 'ctr-bare', host: '127.0.0.1', port: (bare.address() as AddressInfo).port },
    ]);
    routes.setRoute(['proper.localhost'], 'svc_proper', [
      { id: 'ctr-proper', host: '127.0.0.1', port: (proper.address() as AddressInfo).port },
    ]);
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) });
    proxy = new AppProxy(routes, { logger });
    await proxy.listenHttp(0, '127.0.0.1');
    port = proxy.httpAddress()!.port;
  });
  after(async () => {
    await proxy.close();
    bare.close();
    proper.close();
  });

  it('gets a 502, and the log names the invalid response and the parser code', async () => {
    assert.deepEqual(await get(port, 'proper.localhost'), { status: 200, body: 'ok' });
    const answer = await get(port, 'bare.localhost');
    assert.equal(answer.status, 502);
    const warning = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.upstream === 'ctr-bare');
    assert.ok(warning, `no warning about the upstream in:\n${logLines.join('')}`);
    assert.equal(warning.kind, 'invalid-response');
    assert.equal(warning.code, 'HPE_CR_EXPECTED');
    // The proxy keeps serving the other app.
    assert.deepEqual(await get(port, 'proper.localhost'), { status: 200, body: 'ok' });
  });
});
