/**
 * A stand-in for Berth's proxy in front of Kubernetes pods: a loopback HTTP server that forwards each request
 * to one of a Service's ready endpoints (round robin), re-reading them every `refreshMs`, over keep-alive
 * connections per endpoint. An endpoint that leaves the list gets no new request; its idle connections are
 * closed a moment later (its pod is still in its preStop pause then). Records the fewest endpoints seen.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Endpoint {
  ip: string;
  port: number;
}

export interface EndpointRouter {
  port: number;
  /** The fewest ready endpoints any refresh saw (after the first non-empty one). */
  fewestEndpoints(): number;
  close(): Promise<void>;
}

export async function startEndpointRouter(
  readEndpoints: () => Promise<Endpoint[]>,
  refreshMs = 200,
): Promise<EndpointRouter> {
  const agents = new Map<string, http.Agent>();
  let endpoints: Endpoint[] = [];
  let fewest = Number.POSITIVE_INFINITY;
  let next = 0;
  let isClosed = false;

  const refresh = async () => {
    const current = await readEndpoints();
    const keys = new Set(current.map((e) => `${e.ip}:${e.port}`));
    for (const [key, agent] of agents) {
      if (keys.has(key)) continue;
      agents.delete(key);
      setTimeout(() => agent.destroy(), 1000).unref();
    }
    endpoints = current;
    if (current.length > 0 || fewest !== Number.POSITIVE_INFINITY) fewest = Math.min(fewest, current.length);
  };
  await refresh();
  const loop = (async () => {
    while (!isClosed) {
      await new Promise((resolve) => setTimeout(resolve, refreshMs));
      if (!isClosed) await refresh().catch(() => undefined);
    }
  })();

  const server = http.createServer((req, res) => {
    const target = endpoints[next++ % Math.max(endpoints.length, 1)];
    if (!target) {
      res.writeHead(503).end('no ready endpoint');
      return;
    }
    const key = `${target.ip}:${target.port}`;
    let agent = agents.get(key);
    if (!agent) agents.set(key, (agent = new http.Agent({ keepAlive: true })));
    const upstream = http.request(
      { host: target.ip, port: target.port, path: req.url, method: req.method, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(`upstream ${key}: ${error.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    fewestEndpoints: () => fewest,
    async close() {
      isClosed = true;
      await loop;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      for (const agent of agents.values()) agent.destroy();
    },
  };
}
