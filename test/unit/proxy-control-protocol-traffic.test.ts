/**
 * The request accounting of the proxy's process tree, without processes: the traffic.take message, the
 * batch format (sparse histograms, tuple log entries) and its validation, the supervisor's sum of its
 * workers, the bounded queues that drop the oldest, the daemon's pull feeding the traffic accounting,
 * and the share of the connection caps each worker holds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { BoundedQueue } from '../../src/proxy/process/bounded-queue.js';
import { parseRequest } from '../../src/proxy/process/control-protocol.js';
import { MAX_HOLD_MS, TrafficAggregator } from '../../src/proxy/process/traffic-aggregator.js';
import {
  MAX_BATCH_LOG_ENTRIES,
  parseTrafficBatch,
  toWireLogEntry,
  toWireWindow,
  type TrafficBatch,
} from '../../src/proxy/process/traffic-batch.js';
import { TrafficPull } from '../../src/proxy/process/traffic-pull.js';
import { workerShareOfCaps } from '../../src/proxy/process/worker-caps.js';
import { WorkerTraffic } from '../../src/proxy/process/worker-traffic.js';
import { BUCKET_COUNT, bucketOf, percentileMs } from '../../src/traffic/latency-histogram.js';
import { TrafficAccounting } from '../../src/traffic/traffic-accounting.js';

const logger = createLogger('silent');

function refused(value: unknown): string {
  try {
    parseTrafficBatch(value);
  } catch (error) {
    assert.ok(isAppError(error) && error.code === 'VALIDATION_FAILED');
    return error.message;
  }
  assert.fail(`accepted ${JSON.stringify(value)}`);
}

function window(serviceId: string, requests: number, ms: number) {
  const latency = new Float64Array(BUCKET_COUNT);
  latency[bucketOf(ms)] = requests;
  return {
    serviceId,
    requests,
    statusClasses: [requests, 0, 0, 0] as [number, number, number, number],
    bytesIn: 100 * requests,
    bytesOut: 200 * requests,
    latency,
    logDropped: 0,
  };
}

const entry = (serviceId: string, path: string) => ({
  serviceId,
  at: 1_700_000_000_000,
  method: 'GET',
  path,
  status: 200,
  durationMs: 1.5,
  bytesIn: 80,
  bytesOut: 120,
});

describe('proxy control protocol: traffic.take and the traffic batch', () => {
  it('accepts traffic.take, without fields', () => {
    assert.equal(parseRequest({ v: 1, id: 9, type: 'traffic.take' }).type, 'traffic.take');
    assert.throws(() => parseRequest({ v: 1, id: 9, type: 'traffic.take', all: true }), /unknown field/);
  });

  it('a batch survives the wire (JSON) unchanged, histogram sparse', () => {
    const batch: TrafficBatch = {
      windows: [toWireWindow(window('svc_a', 3, 2))],
      log: [toWireLogEntry(entry('svc_a', '/x'))],
      access: ['{"msg":"proxied request"}'],
      accessDropped: 2,
    };
    assert.equal(batch.windows[0]!.latency.length, 1);
    assert.deepEqual(parseTrafficBatch(JSON.parse(JSON.stringify(batch))), batch);
  });

  it('refuses unknown fields, bad numbers, bad ids, buckets out of range and oversized lists', () => {
    const good = { windows: [], log: [], access: [], accessDropped: 0 };
    assert.match(refused({ ...good, exec: 'x' }), /unknown field/);
    const w = toWireWindow(window('svc_a', 1, 1));
    assert.match(refused({ ...good, windows: [{ ...w, requests: -1 }] }), /count/);
    assert.match(refused({ ...good, windows: [{ ...w, requests: Number.NaN }] }), /count/);
    assert.match(refused({ ...good, windows: [{ ...w, serviceId: '../x' }] }), /service id/);
    assert.match(refused({ ...good, windows: [{ ...w, latency: [[BUCKET_COUNT, 1]] }] }), /bucket/);
    assert.match(refused({ ...good, windows: [{ ...w, statusClasses: [1, 2, 3] }] }), /four/);
    assert.match(refused({ ...good, log: [['svc_a', 1, 'GET', '/', 200, 1, 1]] }), /eight/);
    assert.match(refused({ ...good, log: [['svc_a', 1, 'G T', '/', 200, 1, 1, 1]] }), /method/);
    assert.match(refused({ ...good, log: [['svc_a', 1, 'GET', '/', 1200, 1, 1, 1]] }), /status/);
    assert.match(refused({ ...good, access: ['two\nlines'] }), /one line/);
    const many = Array.from({ length: MAX_BATCH_LOG_ENTRIES + 1 }, () => toWireLogEntry(entry('svc_a', '/')));
    assert.match(refused({ ...good, log: many }), /at most/);
  });
});

describe('the accounting of the proxy process tree', () => {
  it('a bounded queue drops the oldest and counts it', () => {
    const queue = new BoundedQueue<number>(3);
    for (let i = 1; i <= 5; i++) queue.push(i);
    assert.deepEqual(queue.take(), { items: [3, 4, 5], dropped: 2 });
    assert.deepEqual(queue.take(), { items: [], dropped: 0 });
    queue.push(6);
    assert.deepEqual(queue.take().items, [6]);
  });

  it('the supervisor sums its workers; a dropped log entry counts in its service', () => {
    const sum = new TrafficAggregator();
    const worker = (requests: number, ms: number): TrafficBatch => ({
      windows: [toWireWindow(window('svc_a', requests, ms))],
      log: Array.from({ length: 1500 }, (_, i) => toWireLogEntry(entry('svc_a', `/${requests}/${i}`))),
      access: ['a'],
      accessDropped: 1,
    });
    sum.add(worker(10, 1));
    sum.add(worker(30, 100));
    const batch = sum.take();
    assert.equal(batch.windows.length, 1);
    const [w] = batch.windows;
    assert.equal(w!.requests, 40);
    assert.equal(w!.bytesOut, 8000);
    // 3000 entries through a queue of 2000: the oldest 1000 go, counted for svc_a.
    assert.equal(batch.log.length, 2000);
    assert.equal(batch.log[0]![3], '/10/1000');
    assert.equal(w!.logDropped, 1000);
    assert.deepEqual(batch.access, ['a', 'a']);
    assert.equal(batch.accessDropped, 2);
    assert.deepEqual(sum.take(), { windows: [], log: [], access: [], accessDropped: 0 });
  });

  it('the supervisor holds counters no daemon took for at most MAX_HOLD_MS (no burst on the next take)', () => {
    let now = 1_000_000;
    const sum = new TrafficAggregator(() => now);
    const batch = (requests: number): TrafficBatch => ({
      windows: [toWireWindow(window('svc_a', requests, 1))],
      log: [],
      access: [],
      accessDropped: 0,
    });
    sum.add(batch(5));
    now += MAX_HOLD_MS - 1;
    sum.add(batch(7));
    now += 2; // the first add is now too old: its sums go, counted
    sum.add(batch(11));
    assert.equal(sum.take().windows[0]!.requests, 11);
    assert.equal(sum.staleRequestsDropped, 12);
  });

  it('worker → supervisor → daemon: the daemon’s accounting gets what inline would have counted', async () => {
    // Worker side: the same TrafficAccounting as inline, fed through its observe() on real requests' shapes.
    const workerAccounting = new TrafficAccounting();
    const sent: TrafficBatch[] = [];
    const traffic = new WorkerTraffic(workerAccounting, (batch, done) => {
      sent.push(JSON.parse(JSON.stringify(batch)) as TrafficBatch);
      done?.();
    });
    const socket = { bytesRead: 0, bytesWritten: 0 };
    for (let i = 0; i < 5; i++) {
      socket.bytesRead += 50;
      socket.bytesWritten += 70;
      workerAccounting.observe(
        'svc_a',
        { url: `/p${i}?token=secret`, method: 'GET', socket } as never,
        { statusCode: i === 4 ? 503 : 200 } as never,
        4,
      );
    }
    traffic.accessLine('{"msg":"proxied request"}\n');
    traffic.accessLine(`${'x'.repeat(5000)}\n`);
    traffic.flush();
    traffic.flush(); // nothing new: nothing sent
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.accessDropped, 1, 'the over-long line is dropped and counted');

    const supervisor = new TrafficAggregator();
    supervisor.add(sent[0]!);
    const daemon = new TrafficAccounting();
    const written: string[] = [];
    const pull = new TrafficPull(
      async () => supervisor.take(),
      daemon,
      (lines) => written.push(...lines),
      logger,
    );
    await pull.pull();
    const [w] = daemon.takeWindows();
    assert.equal(w!.requests, 5);
    assert.deepEqual(w!.statusClasses, [4, 0, 0, 1]);
    assert.equal(w!.bytesIn, 250);
    assert.equal(w!.bytesOut, 350);
    assert.equal(percentileMs(w!.latency, 0.5), percentileMs(window('x', 1, 4).latency, 0.5));
    const log = daemon.takeLogEntries();
    assert.deepEqual(
      log.map((e) => e.path),
      ['/p0', '/p1', '/p2', '/p3', '/p4'],
    );
    assert.deepEqual(written, ['{"msg":"proxied request"}']);
  });

  it('the daemon refuses a malformed batch and changes nothing', async () => {
    const daemon = new TrafficAccounting();
    const pull = new TrafficPull(
      async () => ({ windows: [{ serviceId: 'svc_a', requests: 'many' }] }),
      daemon,
      () => undefined,
      logger,
    );
    await pull.pull();
    assert.deepEqual(daemon.takeWindows(), []);
    // Not connected: nothing to do, no error.
    await new TrafficPull(
      async () => undefined,
      daemon,
      () => undefined,
      logger,
    ).pull();
  });

  it('each worker holds an equal share of the connection caps, at least one', () => {
    const caps = { maxConnectionsPerIp: 9, maxConnections: 10_000, other: 'kept' };
    assert.deepEqual(workerShareOfCaps(caps, 2), { maxConnectionsPerIp: 4, maxConnections: 5_000, other: 'kept' });
    assert.deepEqual(workerShareOfCaps(caps, 1), caps);
    assert.equal(workerShareOfCaps({ maxConnectionsPerIp: 1, maxConnections: 1 }, 4).maxConnectionsPerIp, 1);
  });
});
