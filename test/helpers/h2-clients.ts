/**
 * Well-behaved HTTP/2 clients (node:http2) for the robustness tests: a session, one GET on it, and a
 * steady bounded loop of GETs on its own session (the "other connection" abuse must not disturb).
 */
import { connect, type ClientHttp2Session } from 'node:http2';

export interface H2Target {
  port: number;
  host: string;
  ca?: Buffer;
}

export function h2Session(target: H2Target): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`https://${target.host}:${target.port}`, {
      host: '127.0.0.1',
      servername: target.host,
      ca: target.ca,
    });
    session.once('connect', () => {
      session.off('error', reject);
      session.on('error', () => {});
      resolve(session);
    });
    session.once('error', reject);
  });
}

export function h2Get(
  session: ClientHttp2Session,
  host: string,
  path: string,
  extra: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ':authority': host, ...extra });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString() }));
    stream.on('error', reject);
    stream.setTimeout(10_000, () => stream.destroy(new Error('stream timeout')));
    stream.end();
  });
}

/** `streams` request loops on one session until stop(), at most `maxRequests` and `maxMs` (bounded). */
export function startH2SteadyLoop(
  target: H2Target,
  options: { path: string; expectedBody: string; streams?: number; maxRequests?: number; maxMs?: number },
) {
  const deadline = Date.now() + (options.maxMs ?? 20_000);
  const maxRequests = options.maxRequests ?? 20_000;
  let stopped = false;
  let sent = 0;
  let ok = 0;
  const failures: string[] = [];
  const running = h2Session(target).then(async (session) => {
    const loop = async () => {
      while (!stopped && sent < maxRequests && Date.now() < deadline) {
        sent++;
        try {
          const reply = await h2Get(session, target.host, options.path);
          if (reply.status === 200 && reply.body === options.expectedBody) ok++;
          else failures.push(`HTTP ${reply.status}: ${reply.body.slice(0, 60)}`);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: options.streams ?? 4 }, loop));
    session.close();
  });
  return {
    async stop(): Promise<{ ok: number; failures: string[] }> {
      stopped = true;
      await running.catch((error: Error) => failures.push(`session: ${error.message}`));
      return { ok, failures };
    },
  };
}
