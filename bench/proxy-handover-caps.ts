/**
 * The per-address connection cap across a proxy upgrade (process mode, two workers): each worker holds
 * floor(cap / 2) connections of one address, and during a handover the old workers keep their open
 * keep-alive connections (they end on the keep-alive timeout, at most that + 1 s) while the new workers
 * start with empty counts. This holds idle keep-alive connections from one address up to the cap, asks
 * for an upgrade, and once the new workers serve, tries as many again: it prints how many the proxy held
 * at once. Run: node --import tsx bench/proxy-handover-caps.ts (BALANCE=round-robin for that balance).
 */
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { fetchOnce } from '../test/helpers/proxy-clients.js';
import { startProxyTree } from '../test/helpers/proxy-process-target.js';

const HOST = 'caps.localhost';
const CAP = 40;
const CLIENT = '127.0.0.5';
const SETTLE_MS = 1_500;

/** Opens `count` connections from CLIENT, one request each; returns those answered 200 and still open. */
async function hold(port: number, count: number): Promise<Socket[]> {
  const attempts = Array.from(
    { length: count },
    () =>
      new Promise<Socket | undefined>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, localAddress: CLIENT });
        let text = '';
        socket.on('error', () => resolve(undefined));
        socket.on('close', () => resolve(undefined));
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('\r\n\r\nok')) resolve(text.startsWith('HTTP/1.1 200') ? socket : undefined);
        });
        socket.on('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`));
        setTimeout(() => resolve(undefined), 5_000).unref();
      }),
  );
  return (await Promise.all(attempts)).filter((socket): socket is Socket => socket !== undefined);
}

const upstream = createServer((_req, res) => res.end('ok'));
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const app = { id: 'ctr-caps', host: '127.0.0.1', port: (upstream.address() as AddressInfo).port };
const tree = await startProxyTree(
  {
    routes: [{ serviceId: 'svc_caps', hostnames: [HOST], upstreams: [app], fallback: [] }],
    unavailable: [],
    certificates: [],
    challenges: [],
    hosts: [],
    settings: {},
  },
  {
    BERTH_PROXY_WORKERS: '2',
    BERTH_PROXY_MAX_CONNECTIONS_PER_IP: String(CAP),
    BERTH_PROXY_KEEPALIVE_TIMEOUT_SECONDS: '20',
    BERTH_PROXY_BALANCE: process.env.BALANCE ?? 'kernel',
  },
  async (t) => (await fetchOnce({ protocol: 'http', port: t.httpPort, host: HOST }, '/')).status === 200,
);
try {
  const before = await hold(tree.httpPort, 2 * CAP);
  const oldPids = await tree.workerPids();
  const started = Date.now();
  await tree.upgrade();
  while (JSON.stringify(await tree.workerPids()) === JSON.stringify(oldPids)) {
    if (Date.now() - started > 120_000) throw new Error('no handover in 120 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Right after the new pids show, the old workers may still take (and, at their cap, refuse) a few.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const during = await hold(tree.httpPort, 2 * CAP);
  const stillOpen = before.filter((socket) => !socket.destroyed).length;
  console.log('| cap | held before | old workers still hold | new workers took | at once |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| ${CAP} | ${before.length} | ${stillOpen} | ${during.length} | ${stillOpen + during.length} |`);
  for (const socket of [...before, ...during]) socket.destroy();
} finally {
  await tree.stop();
  upstream.close();
}
