/**
 * A bounded load generator for zero-downtime tests: N concurrent keep-alive clients request one URL in a
 * loop until stopped, or until the time or request cap is reached. Counts every failure with its cause.
 */
import http from 'node:http';

export interface LoadResult {
  ok: number;
  failed: number;
  errors: string[];
  /** Distinct response bodies seen, in the order first seen. */
  bodies: string[];
}

export interface Load {
  stop(): Promise<LoadResult>;
  snapshot(): LoadResult;
}

export function startLoad(options: {
  port: number;
  host: string;
  path?: string;
  connections: number;
  maxSeconds?: number;
  maxRequests?: number;
}): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const result: LoadResult = { ok: 0, failed: 0, errors: [], bodies: [] };
  const deadline = Date.now() + (options.maxSeconds ?? 180) * 1000;
  const maxRequests = options.maxRequests ?? 500_000;
  let isStopped = false;
  const once = () =>
    new Promise<void>((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: options.port,
          path: options.path ?? '/',
          agent,
          headers: { host: options.host },
          timeout: 15_000,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            if (res.statusCode === 200) {
              result.ok++;
              if (!result.bodies.includes(body)) result.bodies.push(body);
            } else {
              result.failed++;
              if (result.errors.length < 20) result.errors.push(`HTTP ${res.statusCode}: ${body.slice(0, 100)}`);
            }
            resolve();
          });
          res.on('error', (error) => {
            result.failed++;
            if (result.errors.length < 20) result.errors.push(`response: ${error.message}`);
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => {
        result.failed++;
        if (result.errors.length < 20) result.errors.push(`request: ${error.message}`);
        resolve();
      });
      req.end();
    });
  const worker = async () => {
    while (!isStopped && Date.now() < deadline && result.ok + result.failed < maxRequests) await once();
  };
  const workers = Array.from({ length: options.connections }, worker);
  return {
    snapshot: () => ({ ...result, errors: [...result.errors], bodies: [...result.bodies] }),
    async stop() {
      isStopped = true;
      await Promise.all(workers);
      agent.destroy();
      return result;
    },
  };
}

/** One GET through the proxy with a Host header. */
export function get(port: number, host: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
