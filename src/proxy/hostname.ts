/**
 * One spelling per hostname, so a route lookup is a single Map hit: lowercase, no port, no trailing dot.
 * Anything that is not a plausible DNS name (or a bracketed IPv6 literal) normalises to undefined, which
 * the proxy answers with its 404 page: a Host header never reaches an app unless it is a routed name.
 */

// Letters, digits, hyphens and dots only; labels of 1-63 characters; 253 characters in all.
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const IPV6_LITERAL = /^\[[0-9a-f:.]{2,45}\]$/;

export function normalizeHostname(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let host = raw.toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) return undefined;
    const rest = host.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    host = host.slice(0, end + 1);
    return IPV6_LITERAL.test(host) ? host : undefined;
  }
  const colon = host.indexOf(':');
  if (colon >= 0) {
    if (!/^\d{1,5}$/.test(host.slice(colon + 1))) return undefined;
    host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  return DNS_NAME.test(host) ? host : undefined;
}

/**
 * True when the request names more than one Host. Node keeps only the first in `headers.host`, so such a
 * request would be routed by whichever header came first while a server or cache behind it may read the
 * other one (RFC 9112 §3.2: answer 400).
 */
export function hasSeveralHostHeaders(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}
