/**
 * Probes for the proxy's process tree (test/integration/proxy-process.test.ts): a bounded load loop of
 * keep-alive and new-connection clients, the control socket spoken by hand, and process checks.
 */
import http from 'node:http';
import { connect } from 'node:net';

export function get(
  port: number,
  host: string,
  agent: http.Agent | false = false,
  path = '/',
): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (error) => resolve(`response: ${error.message}`));
    });
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

/**
 * Four keep-alive clients (and `freshClients` that open a new connection per request) in a loop until
 * stopped, at most `maxRequests` or `maxMs` (bounded either way).
 */
export function startLoadLoop(port: number, host: string, options: { freshClients?: number; maxMs?: number } = {}) {
  const maxRequests = 50_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const outcomes = { ok: 0, failed: [] as Array<number | string> };
  const deadline = Date.now() + (options.maxMs ?? 240_000);
  let isStopped = false;
  const client = async (through: http.Agent | false) => {
    while (!isStopped && Date.now() < deadline && outcomes.ok + outcomes.failed.length < maxRequests) {
      const outcome = await get(port, host, through);
      if (outcome === 200) outcomes.ok++;
      else outcomes.failed.push(outcome);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const fresh = Array.from({ length: options.freshClients ?? 0 }, () => client(false));
  const clients = Promise.all([client(agent), client(agent), client(agent), client(agent), ...fresh]);
  return {
    async stop() {
      isStopped = true;
      await clients;
      agent.destroy();
      return outcomes;
    },
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sends lines on the control socket and collects the replies (one per line). */
export async function talk(socketPath: string, lines: string[]): Promise<Array<Record<string, unknown>>> {
  const socket = connect(socketPath);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const replies: Array<Record<string, unknown>> = [];
  let buffered = '';
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', (chunk) => {
    buffered += chunk.toString();
    let at = buffered.indexOf('\n');
    while (at !== -1) {
      replies.push(JSON.parse(buffered.slice(0, at)) as Record<string, unknown>);
      buffered = buffered.slice(at + 1);
      at = buffered.indexOf('\n');
    }
  });
  for (const line of lines) socket.write(`${line}\n`);
  await Promise.race([closed, waitFor(() => replies.length >= lines.length, 10_000, 'control replies')]);
  socket.destroy();
  return replies;
}
