/**
 * Signing of the generic webhook. Each request carries
 *   X-Berth-Timestamp: <unix seconds when sent>
 *   X-Berth-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" under the channel's secret>
 * A receiver recomputes the HMAC over the raw body, compares in constant time, and rejects a timestamp
 * more than REPLAY_WINDOW_SECONDS away from its clock; the body's `id` (one per delivery, kept across
 * retries) lets it drop a repeat inside the window.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const REPLAY_WINDOW_SECONDS = 300;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does; used by the tests and shown in the README. */
export function verifyWebhook(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > REPLAY_WINDOW_SECONDS) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(headers.signature ?? '');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
