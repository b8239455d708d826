/**
 * A plain TCP forwarder: listens on one address of this machine and pipes each connection, byte for byte,
 * to one target address. Used for a database's public access on the cluster (the target is its ClusterIP
 * Service). The listener is open once `startTcpForwarder` resolves (it rejects when the address is taken);
 * `close` stops listening and ends the connections it carries.
 */
import net from 'node:net';

export interface Endpoint {
  host: string;
  port: number;
}

export interface TcpForwarder {
  readonly listen: Endpoint;
  readonly target: Endpoint;
  close(): Promise<void>;
}

export async function startTcpForwarder(listen: Endpoint, target: Endpoint): Promise<TcpForwarder> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.host, port: target.port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    // Either side failing or ending takes the other down: no half-open pairs are left behind.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listen.host, port: listen.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    listen,
    target,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
