/**
 * GET /system/df, waiting its turn: engines before 23.0 compute one disk usage at a time and refuse a second
 * request meanwhile ("a disk usage operation is already running", 409), which on a busy server (the panel,
 * the usage sampler and a volume list at once) made a volume's size vanish from the page. Such a refusal is
 * retried every 250 ms for up to 15 s; any other error is the caller's.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerClient } from './client.js';

const BUSY = /disk usage operation is already running/i;
const RETRY_MS = 250;
const PATIENCE_MS = 15_000;

export async function systemDf(d: DockerClient, options?: { type: 'volume' }): Promise<unknown> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    try {
      return await (options ? d.df(options as never) : d.df());
    } catch (error) {
      if (!BUSY.test(error instanceof Error ? error.message : String(error)) || Date.now() > deadline) throw error;
      await sleep(RETRY_MS);
    }
  }
}
