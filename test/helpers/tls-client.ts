/**
 * Small TLS/HTTP(S) clients for HTTPS tests against 127.0.0.1 with any SNI name and Host header: a bare
 * handshake that reports the certificate served, a GET over HTTP or HTTPS, and a bounded poll.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type PeerCertificate } from 'node:tls';

export interface Probe {
  ok: boolean;
  authorized: boolean;
  serial?: string;
  issuer?: string;
  error?: string;
}

export function tlsProbe(port: number, servername: string, ca?: string): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername,
      ca,
      rejectUnauthorized: ca !== undefined,
      timeout: 5000,
    });
    socket.once('secureConnect', () => {
      const cert: PeerCertificate = socket.getPeerCertificate();
      resolve({
        ok: true,
        authorized: socket.authorized,
        serial: cert.serialNumber,
        issuer: `${cert.issuer?.O ?? ''} ${cert.issuer?.CN ?? ''}`.trim(),
      });
      socket.end();
    });
    socket.once('timeout', () => socket.destroy(new Error('timeout')));
    socket.once('error', (error) => resolve({ ok: false, authorized: false, error: error.message }));
  });
}

export function getOver(
  secure: boolean,
  port: number,
  host: string,
  path: string,
  ca?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const options = {
      host: '127.0.0.1',
      port,
      path,
      headers: { host: secure && port === 443 ? host : `${host}:${port}` },
    };
    const req = secure
      ? httpsRequest({ ...options, servername: host, ca, agent: false })
      : httpRequest({ ...options, agent: false });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function until<T>(
  what: string | (() => Promise<string>),
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : await what()}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}
