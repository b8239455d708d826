/**
 * The reverse proxies bench/proxy.ts compares Berth's against, started on loopback ports with configs
 * written to a temp dir and stopped by PID: nginx and Caddy from Debian's packages, plus the shared
 * pieces (the backend, a self-signed certificate, free ports, waiting for a port to answer).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface RunningServer {
  name: string;
  child: ChildProcess;
  httpPort: number;
  /** Undefined for the backend, which speaks plain HTTP only. */
  httpsPort: number | undefined;
}

export interface Certificate {
  certFile: string;
  keyFile: string;
}

export const NGINX_BIN = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/** Which of the peers' binaries are missing from PATH. */
export function missingTools(): string[] {
  const missing: string[] = [];
  for (const [tool, argv] of [
    [NGINX_BIN, ['-v']],
    ['caddy', ['version']],
    ['wrk', ['--version']],
  ] as const) {
    const probe = spawnSync(tool, argv, { stdio: 'ignore' });
    if (probe.error !== undefined) missing.push(tool.replace('/usr/sbin/', ''));
  }
  return missing;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** ECDSA P-256 for every server, so the TLS work is the same for all of them. */
export function selfSignedCertificate(dir: string, hostname: string): Certificate {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const result = spawnSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${hostname}`],
      ...['-addext', `subjectAltName=DNS:${hostname}`],
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`openssl could not make a certificate: ${result.stderr}`);
  return { certFile, keyFile };
}

async function waitForPort(port: number, child: ChildProcess, name: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before listening`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      // Closed at once: a probe left open holds the server's close() (a silent TLS client waits out the
      // handshake timeout), so the proxy would be SIGKILLed at the end instead of exiting.
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      setTimeout(() => resolve(false), 500).unref();
    }).catch(() => false);
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not listen on ${port} within ${timeoutMs} ms`);
}

export async function startServer(options: {
  name: string;
  command: string;
  argv: string[];
  httpPort: number;
  httpsPort?: number;
  env?: NodeJS.ProcessEnv;
}): Promise<RunningServer> {
  const child = spawn(options.command, options.argv, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: options.env ?? process.env,
  });
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-2000)));
  try {
    await waitForPort(options.httpPort, child, options.name);
    if (options.httpsPort !== undefined) await waitForPort(options.httpsPort, child, options.name);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`, { cause: error });
  }
  return { name: options.name, child, httpPort: options.httpPort, httpsPort: options.httpsPort };
}

/** SIGTERM by PID (nginx's master takes its workers with it), SIGKILL if it lingers. */
export async function stopServer(server: RunningServer): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** A bare node:http backend: the same for every proxy and for the direct baseline. */
export async function startBackend(): Promise<RunningServer> {
  const port = await freePort();
  const source =
    "require('node:http').createServer((req, res) => res.end('hello world'))" + `.listen(${port}, '127.0.0.1')`;
  return startServer({ name: 'backend', command: process.execPath, argv: ['-e', source], httpPort: port });
}

/**
 * nginx as its packagers suggest for a reverse proxy: a worker per core, an upstream keep-alive pool,
 * HTTP/1.1 upstream without the client's Connection header, no access log.
 */
export async function startNginx(dir: string, backendPort: number, cert: Certificate): Promise<RunningServer> {
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const prefix = join(dir, 'nginx');
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes auto;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 256; }
  server {
    listen 127.0.0.1:${httpPort};
    listen 127.0.0.1:${httpsPort} ssl;
    ssl_certificate ${cert.certFile};
    ssl_certificate_key ${cert.keyFile};
    keepalive_requests 100000;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`,
  );
  return startServer({
    name: 'nginx',
    command: NGINX_BIN,
    argv: ['-p', prefix, '-c', conf, '-g', 'daemon off;'],
    httpPort,
    httpsPort,
  });
}

/** Caddy with its defaults (its reverse_proxy keeps upstream connections alive by itself). */
export async function startCaddy(dir: string, backendPort: number, cert: Certificate): Promise<RunningServer> {
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const home = join(dir, 'caddy');
  mkdirSync(home, { recursive: true });
  const conf = join(home, 'Caddyfile');
  writeFileSync(
    conf,
    `{
  admin off
  auto_https off
  storage file_system ${home}/data
}
http://:${httpPort} {
  bind 127.0.0.1
  reverse_proxy 127.0.0.1:${backendPort}
}
https://:${httpsPort} {
  bind 127.0.0.1
  tls ${cert.certFile} ${cert.keyFile}
  reverse_proxy 127.0.0.1:${backendPort}
}
`,
  );
  return startServer({
    name: 'caddy',
    command: 'caddy',
    argv: ['run', '--config', conf, '--adapter', 'caddyfile'],
    httpPort,
    httpsPort,
    // Caddy keeps state under $HOME / $XDG_*: all of it goes to the temp dir.
    env: { ...process.env, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home },
  });
}
