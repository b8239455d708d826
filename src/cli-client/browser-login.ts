/**
 * `berth login --server URL` without a token: asks the server for a login request, prints the approve
 * URL and the code, and polls (with the request's secret) until someone signed in to the panel approves
 * it, denies it, or it expires. Approved: the new API token. Denied or expired: an auth error (exit 3).
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';
import { ApiClient } from './api-client.js';
import type { Output } from './output.js';

interface Started {
  requestId: string;
  userCode: string;
  approveUrl: string;
  pollSecret: string;
  expiresIn: number;
  interval: number;
}

type Poll =
  | { status: 'pending'; interval?: number }
  | { status: 'approved'; token: string; email: string }
  | { status: 'denied' }
  | { status: 'expired' };

/** This machine's name as the server accepts it (letters, digits, . _ -; at most 48). */
export function deviceName(raw = hostname()): string {
  const name = raw
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 48);
  return name || 'unknown host';
}

export async function browserLogin(server: string, out: Output): Promise<string> {
  const api = new ApiClient({ server, token: '', prefix: '' });
  const started = await api.json<Started>('POST', '/cli/login', { host: deviceName() });
  // With --json, stdout keeps its one document: the instructions go to stderr.
  const tell = (text: string) => (out.isJson ? out.warn(text) : out.say(text));
  tell(`Open ${started.approveUrl} and check the code ${started.userCode}`);
  tell(`Waiting for approval (the code expires in ${Math.round(started.expiresIn / 60)} minutes)…`);
  const deadline = Date.now() + (started.expiresIn + 30) * 1000;
  let interval = started.interval;
  while (Date.now() < deadline) {
    await sleep(Math.max(1, interval) * 1000);
    const answer = await api.json<Poll>('POST', `/cli/login/${started.requestId}/poll`, {
      pollSecret: started.pollSecret,
    });
    if (answer.status === 'approved') return answer.token;
    if (answer.status === 'denied')
      throw new AppError('UNAUTHENTICATED', 'The login was denied in the browser. Nothing was stored.');
    if (answer.status === 'expired')
      throw new AppError('UNAUTHENTICATED', 'The login code expired before it was approved: run `berth login` again.');
    interval = answer.interval ?? interval;
  }
  throw new AppError('UNAUTHENTICATED', 'The login code expired before it was approved: run `berth login` again.');
}
