/**
 * The TCP forwarder behind a cluster database's public access: bytes go through both ways unchanged, a
 * taken address is refused when it starts, and closing it stops listening and ends the connections it carries.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTcpForwarder } from '../../src/lib/tcp-forwarder.js';

const listenOn = (server: net.Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );

const freePort = async () => {
  const server = net.createServer();
  const port = await listenOn(server);
  await new Promise((r) => server.close(r));
  return port;
};

/** Connects, sends `text`, resolves with the first answer. */
const roundTrip = (port: number, text: string) =>
  new Promise<string>((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => socket.write(text));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('utf8'));
    });
    socket.once('error', reject);
  });

describe('TCP forwarder', () => {
  const echo = net.createServer((socket) => socket.on('data', (data) => socket.write(`echo:${data.toString()}`)));
  let echoPort: number;
  before(async () => {
    echoPort = await listenOn(echo);
  });
  after(() => new Promise((r) => echo.close(r)));

  it('forwards both ways; closing ends open connections and the port', async () => {
    const port = await freePort();
    const forwarder = await startTcpForwarder({ host: '127.0.0.1', port }, { host: '127.0.0.1', port: echoPort });
    assert.equal(await roundTrip(port, 'hello'), 'echo:hello');
    const open = net.connect({ host: '127.0.0.1', port });
    await new Promise((r) => open.once('connect', r));
    const ended = new Promise((r) => open.once('close', r));
    await forwarder.close();
    await ended;
    await assert.rejects(roundTrip(port, 'again'), /ECONNREFUSED/);
  });

  it('refuses an address that is taken', async () => {
    const squatter = net.createServer();
    const port = await listenOn(squatter);
    try {
      await assert.rejects(
        startTcpForwarder({ host: '127.0.0.1', port }, { host: '127.0.0.1', port: echoPort }),
        (error: NodeJS.ErrnoException) => error.code === 'EADDRINUSE',
      );
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('drops the client when the target does not answer', async () => {
    const port = await freePort();
    const forwarder = await startTcpForwarder(
      { host: '127.0.0.1', port },
      { host: '127.0.0.1', port: await freePort() },
    );
    try {
      const socket = net.connect({ host: '127.0.0.1', port });
      await new Promise((resolve) => socket.once('close', resolve));
    } finally {
      await forwarder.close();
    }
  });
});
