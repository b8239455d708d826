/**
 * A real ACME CA for tests: Pebble and pebble-challtestsrv (Debian's `pebble` package, installed by
 * scripts/test-env.sh) on free loopback ports. challtestsrv answers every DNS name with 127.0.0.1, so
 * Pebble's HTTP-01 validation connects to 127.0.0.1:<httpPort>, Berth's own proxy. Pebble's API
 * certificate is signed by a throwaway CA made here with openssl (the package ships none); trust
 * `caFile` for the directory. Pebble can be stopped and restarted with other settings; its issuing
 * roots change on every start (read them with `roots()`).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './daemon-process.js';

export interface PebbleOptions {
  /** Berth's HTTP port: where HTTP-01 validation connects. */
  httpPort: number;
  /** Certificate lifetime in seconds (Pebble's certificateValidityPeriod). */
  validitySeconds?: number;
  /** Percentage of nonces Pebble rejects on purpose (PEBBLE_WFE_NONCEREJECT). */
  nonceRejectPercent?: number;
}

export interface Pebble {
  directoryUrl: string;
  /** PEM of the CA that signed Pebble's API certificate. */
  caFile: string;
  /** "127.0.0.1:<port>": challtestsrv's DNS server. */
  dnsServer: string;
  start(options?: Partial<PebbleOptions>): Promise<void>;
  stop(): Promise<void>;
  /** Pebble's current issuing root (PEM), which a client must trust to verify issued certificates. */
  roots(): Promise<string>;
  /** Pebble's log so far. */
  log(): string;
  /** Makes challtestsrv answer A queries for `host` with `address` instead of 127.0.0.1. */
  addARecord(host: string, address: string): Promise<void>;
  close(): Promise<void>;
}

export function hasPebble(): boolean {
  return existsSync('/usr/bin/pebble') && existsSync('/usr/bin/pebble-challtestsrv');
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

function waitExit(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { ca, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export async function startPebble(initial: PebbleOptions): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-pebble-'));
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=berth test pebble CA'].concat([
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      join(dir, 'ca.pem'),
    ]),
  );
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem')].concat([
      '-out',
      join(dir, 'cert.csr'),
    ]),
  );
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(
    ['x509', '-req', '-in', join(dir, 'cert.csr'), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key')].concat([
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      join(dir, 'ext.cnf'),
      '-out',
      join(dir, 'cert.pem'),
    ]),
  );
  const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const [apiPort, managementPort, dnsPort, challtestPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const dnsServer = `127.0.0.1:${dnsPort}`;

  const challtestsrv = spawn(
    'pebble-challtestsrv',
    [
      '-defaultIPv4',
      '127.0.0.1',
      '-defaultIPv6',
      '',
      '-dns01',
      dnsServer,
      '-http01',
      '',
      '-https01',
      '',
      '-tlsalpn01',
      '',
    ].concat(['-management', `127.0.0.1:${challtestPort}`]),
    { stdio: 'ignore' },
  );
  let pebble: ChildProcess | undefined;
  let logText = '';
  let options = { ...initial };

  const api: Pebble = {
    directoryUrl: `https://127.0.0.1:${apiPort}/dir`,
    caFile: join(dir, 'ca.pem'),
    dnsServer,
    async start(overrides = {}) {
      await api.stop();
      options = { ...options, ...overrides };
      const config = {
        pebble: {
          listenAddress: `127.0.0.1:${apiPort}`,
          managementListenAddress: `127.0.0.1:${managementPort}`,
          certificate: join(dir, 'cert.pem'),
          privateKey: join(dir, 'key.pem'),
          httpPort: options.httpPort,
          tlsPort: 5001,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
          ...(options.validitySeconds ? { certificateValidityPeriod: options.validitySeconds } : {}),
        },
      };
      writeFileSync(join(dir, 'pebble-config.json'), JSON.stringify(config));
      pebble = spawn('pebble', ['-config', join(dir, 'pebble-config.json'), '-dnsserver', dnsServer], {
        env: {
          PATH: process.env.PATH,
          PEBBLE_VA_NOSLEEP: '1',
          PEBBLE_WFE_NONCEREJECT: String(options.nonceRejectPercent ?? 0),
          PEBBLE_AUTHZREUSE: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      pebble.stdout?.on('data', (chunk: Buffer) => (logText += chunk.toString()));
      pebble.stderr?.on('data', (chunk: Buffer) => (logText += chunk.toString()));
      const deadline = Date.now() + 10_000;
      for (;;) {
        const ok = await httpsGet(api.directoryUrl, ca).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`pebble did not start:\n${logText}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      await waitExit(pebble);
      pebble = undefined;
    },
    async roots() {
      const response = await httpsGet(`https://127.0.0.1:${managementPort}/roots/0`, ca);
      if (response.status !== 200) throw new Error(`pebble roots: ${response.status}`);
      return response.body;
    },
    log: () => logText,
    async addARecord(host, address) {
      const res = await fetch(`http://127.0.0.1:${challtestPort}/add-a`, {
        method: 'POST',
        body: JSON.stringify({ host: `${host}.`, addresses: [address] }),
      });
      if (!res.ok) throw new Error(`challtestsrv add-a: ${res.status}`);
    },
    async close() {
      await api.stop();
      await waitExit(challtestsrv);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await api.start();
  return api;
}
