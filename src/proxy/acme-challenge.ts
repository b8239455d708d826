/**
 * The hook for ACME HTTP-01: `/.well-known/acme-challenge/<token>` on port 80 is answered before routing
 * when the certificate manager knows the token. Unknown tokens fall through to normal routing, so an app
 * that runs its own ACME client keeps working.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeHostname } from './hostname.js';

/** Answers an ACME HTTP-01 challenge token, or undefined when the token is not one of ours. */
export type ChallengeResponder = (token: string, hostname: string | undefined) => string | undefined;

export const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge/';
// RFC 8555 tokens are base64url; anything else is not worth asking the responder about.
const ACME_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

/** True when the request was a challenge we answered. */
export function answerAcmeChallenge(req: IncomingMessage, res: ServerResponse, responder: ChallengeResponder): boolean {
  const token = (req.url ?? '').slice(ACME_CHALLENGE_PREFIX.length);
  if (!ACME_TOKEN.test(token) || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const answer = responder(token, normalizeHostname(req.headers.host));
  if (answer === undefined) return false;
  res.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(answer),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : answer);
  return true;
}
