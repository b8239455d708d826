/** Waits for the first 200 with an expected body on a loopback port: "serving" as a user would see it. */
import { get } from '../../test/helpers/load.js';

const POLL_INTERVAL_MS = 10;

/** Polls until `GET path` with this Host header answers 200 with `expected`; resolves with Date.now() then. */
export async function waitForAnswer(options: {
  port: number;
  host: string;
  expected: string;
  timeoutMs: number;
  path?: string;
}): Promise<number> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const res = await get(options.port, options.host, options.path ?? '/');
      if (res.status === 200 && res.body === options.expected) return Date.now();
      last = `HTTP ${res.status}: ${res.body.slice(0, 80)}`;
    } catch (error) {
      last = (error as Error).message; // not listening yet, or reset while starting
    }
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
  throw new Error(`${options.host} never answered ${JSON.stringify(options.expected)} (last: ${last})`);
}
