/**
 * The request accounting's own CPU cost, measured in-process and in CPU time (so it hardly depends on
 * what else the machine runs, unlike throughput on a shared machine): the proxy's per-request call
 * (TrafficAccounting.observe via the feature's observer) and one flush of a full request-log buffer
 * (1000 rows, what the daemon writes at most once a second) plus the metric windows, into a real SQLite
 * file whose request log is already at its row cap (so every flush also trims, as in steady state).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { TrafficFeature } from '../../src/traffic/traffic.service.js';

export interface AccountingMicroCost {
  /** CPU µs of one observe() call (counting, histogram, request-log copy). */
  observeUs: number;
  /** CPU ms of one flush of a full buffer (1000 log rows, windows, the row cap). */
  flushMs: number;
  bufferRows: number;
}

const cpuUs = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

export async function measureAccountingCost(): Promise<AccountingMicroCost> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-accounting-'));
  const { db, close } = openDatabase(join(dir, 'berth.db'));
  try {
    await migrateToLatest(db);
    await db.insertInto('projects').values({ id: 'prj_b', name: 'bench' }).execute();
    await db.insertInto('environments').values({ id: 'env_b', project_id: 'prj_b', name: 'production' }).execute();
    await db
      .insertInto('services')
      .values({ id: 'svc_b', project_id: 'prj_b', environment_id: 'env_b', name: 'b', kind: 'app', source: '{}' })
      .execute();
    const traffic = new TrafficFeature(db, createLogger('silent'), {});
    const observer = traffic.observer;
    const socket = { bytesRead: 0, bytesWritten: 0 };
    const req = { socket, url: '/api/items/42?page=2', method: 'GET' } as unknown as IncomingMessage;
    const res = { statusCode: 200 } as unknown as ServerResponse;
    const bufferRows = 1000;
    const fill = () => {
      for (let i = 0; i < bufferRows; i++) {
        socket.bytesRead += 120;
        socket.bytesWritten += 800;
        observer.observe('svc_b', req, res, 1 + (i % 50));
      }
    };
    // Steady state: the request log at its cap (20,000 rows), JIT warm.
    for (let i = 0; i < 22; i++) {
      fill();
      await traffic.flush();
    }
    // observe() alone: the buffer stays full, so this also times the common "log full" path at high rates.
    const calls = 200_000;
    fill();
    let started = cpuUs();
    for (let i = 0; i < calls; i++) observer.observe('svc_b', req, res, 3);
    const fullUs = (cpuUs() - started) / calls;
    await traffic.flush();
    // …and with room in the log (the first 1000 requests of each second).
    let loggedUs = 0;
    let flushUs = 0;
    const flushes = 20;
    for (let round = 0; round < flushes; round++) {
      started = cpuUs();
      fill();
      loggedUs += cpuUs() - started;
      started = cpuUs();
      await traffic.flush();
      flushUs += cpuUs() - started;
    }
    return {
      observeUs: Math.max(fullUs, loggedUs / (flushes * bufferRows)),
      flushMs: flushUs / flushes / 1000,
      bufferRows,
    };
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The share of a proxy's CPU the accounting takes at `rps` requests/s when a request costs `proxyUs` CPU µs
 * without it: per second, rps observe() calls and one flush of min(rps, bufferRows) rows.
 */
export function accountingShare(cost: AccountingMicroCost, rps: number, proxyUs: number): number {
  // The log takes at most bufferRows a second; the flush's cost is per row written.
  const flushUs = cost.flushMs * 1000 * (Math.min(rps, cost.bufferRows) / cost.bufferRows);
  const accountingUsPerSecond = rps * cost.observeUs + flushUs;
  return accountingUsPerSecond / (rps * proxyUs + accountingUsPerSecond);
}
