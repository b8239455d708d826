/**
 * Why a certificate order failed, in words a person can act on, and when to try again: the wait doubles
 * from minutes to hours (so a broken DNS record never burns through the CA's rate limits), and a
 * Retry-After from the CA is always honoured.
 */
import { AcmeOrderError } from './acme.js';

export interface RetryTiming {
  /** Wait after the first failure. */
  retryBaseMs: number;
  /** The wait never grows past this. */
  retryMaxMs: number;
}

const ACME = 'urn:ietf:params:acme:error:';

export function explainOrderFailure(error: unknown, hostname: string, directoryUrl: string): string {
  if (!(error instanceof AcmeOrderError)) {
    return `The certificate request failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  const detail = oneLine(error.message);
  const type = error.problemType?.startsWith(ACME) ? error.problemType.slice(ACME.length) : undefined;
  if (type === 'rateLimited') {
    return `Rate limited by the certificate authority: ${detail}. Berth waits before asking again.`;
  }
  if (type === 'dns' || /DNS problem|NXDOMAIN|SERVFAIL|no valid A records|NoRecords/i.test(detail)) {
    return `DNS does not point here: the certificate authority could not resolve ${hostname} to this server (${detail}). Check the A/AAAA records.`;
  }
  if (
    type === 'connection' ||
    /connection refused|timeout|timed out|no route|network is unreachable|connection reset/i.test(detail)
  ) {
    return `Port 80 unreachable: the certificate authority could not fetch http://${hostname}/.well-known/acme-challenge/… (${detail}). Open port 80 in the firewall and point the name here.`;
  }
  if (type === 'unauthorized' || type === 'incorrectResponse' || /key authorization|status 404/i.test(detail)) {
    return `Another server answered for ${hostname}: the challenge answer was wrong (${detail}). Point the DNS records at this server only.`;
  }
  if (type === 'rejectedIdentifier' || type === 'malformed' || type === 'caa') {
    return `The certificate authority refuses to issue for ${hostname}: ${detail}`;
  }
  if (error.networkCode || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|certificate/i.test(detail)) {
    return `The certificate authority cannot be reached at ${directoryUrl} (${error.networkCode ?? detail}). The current certificate keeps being served; Berth tries again.`;
  }
  return `The certificate request failed: ${detail}`;
}

/** When to try again after the n-th failure in a row (n ≥ 1). */
export function retryDelayMs(failures: number, timing: RetryTiming, error?: unknown): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 20);
  const backoff = Math.min(timing.retryMaxMs, timing.retryBaseMs * 2 ** exponent);
  const retryAfter = error instanceof AcmeOrderError ? (error.retryAfterMs ?? 0) : 0;
  return Math.max(backoff, retryAfter);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}
