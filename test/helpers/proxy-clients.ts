/**
 * Clients for the proxy's robustness tests, over plain TCP or TLS alike: a steady bounded request loop
 * (the "other requests" that must not be disturbed), raw sockets for misbehaving clients from a chosen
 * loopback address, and a self-signed certificate made with the openssl CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';

export type Protocol = 'http' | 'https';

export interface Target {
  protocol: Protocol;
  port: number;
  /** The Host header / TLS server name the proxy routes. */
  host: string;
  /** PEM of the self-signed certificate, for https. */
  ca?: Buffer;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The openssl CLI's self-signed certificate, or the reason there is none. */
export function selfSignedCertificate(hostname: string): { cert: Buffer; key: Buffer } | { missing: string } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-cert-'));
  try {
    const result = spawnSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1'],
        ...['-subj', `/CN=${hostname}`, '-addext', `subjectAltName=DNS:${hostname}`],
      ],
      { encoding: 'utf8' },
    );
    if (result.error !== undefined || result.status !== 0) {
      return {
        missing: `the openssl CLI could not make a test certificate (${result.error?.message ?? result.stderr})`,
      };
    }
    return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function fetchOnce(
  target: Target,
  path: string,
  options: { agent?: HttpAgent | HttpsAgent | false; localAddress?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const send = target.protocol === 'https' ? httpsRequest : httpRequest;
    const req = send(
      {
        host: '127.0.0.1',
        port: target.port,
        path,
        headers: { host: target.host },
        agent: options.agent ?? false,
        localAddress: options.localAddress,
        servername: target.host,
        ca: target.ca,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end();
  });
}

export interface SteadyLoop {
  /** Stops the loop and reports what it saw. */
  stop(): Promise<{ ok: number; failures: string[] }>;
}

/**
 * `clients` keep-alive clients requesting `path` back to back until stop(), at most `maxRequests` in
 * all and `maxMs` long. Any status but 200 with the expected body is a failure.
 */
export function startSteadyLoop(
  target: Target,
  options: { path: string; expectedBody: string; clients?: number; maxRequests?: number; maxMs?: number },
): SteadyLoop {
  const agentOptions = { keepAlive: true, maxSockets: options.clients ?? 4, ca: target.ca };
  const agent = target.protocol === 'https' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const deadline = Date.now() + (options.maxMs ?? 20_000);
  const maxRequests = options.maxRequests ?? 20_000;
  let stopped = false;
  let sent = 0;
  let ok = 0;
  const failures: string[] = [];
  const client = async () => {
    while (!stopped && sent < maxRequests && Date.now() < deadline) {
      sent++;
      try {
        const reply = await fetchOnce(target, options.path, { agent });
        if (reply.status === 200 && reply.body === options.expectedBody) ok++;
        else failures.push(`HTTP ${reply.status}: ${reply.body.slice(0, 60)}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  };
  const running = Promise.all(Array.from({ length: options.clients ?? 4 }, client));
  return {
    async stop() {
      stopped = true;
      await running;
      agent.destroy();
      return { ok, failures };
    },
  };
}

/** A connected raw client (after the TLS handshake for https), from the given loopback address. */
export function openRawClient(target: Target, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const tcp = netConnect({ host: '127.0.0.1', port: target.port, localAddress });
    const socket =
      target.protocol === 'https' ? tlsConnect({ socket: tcp, servername: target.host, ca: target.ca }) : tcp;
    if (socket !== tcp) tcp.once('error', reject);
    socket.once(target.protocol === 'https' ? 'secureConnect' : 'connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {}); // the proxy cutting us off is the point of these clients
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Everything the server sent until it closed the connection (or maxMs passed), and when it closed,
 * counted from `started` (default: now).
 */
export function collectUntilClosed(
  socket: Socket,
  maxMs: number,
  started = Date.now(),
): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedAfterMs: Number.POSITIVE_INFINITY });
    }, maxMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
  });
}
