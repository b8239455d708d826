/**
 * What the proxy does with a request before routing it, per hostname: a www/apex twin answers with a 308
 * to its main name; plain HTTP answers with a 308 to HTTPS once the name has a valid certificate (ACME
 * challenge paths never: they are answered before this, or fall through for an app's own ACME client);
 * HTTPS responses of a domain with HSTS get the header. Everything else is routed as usual.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ACME_CHALLENGE_PREFIX } from '../proxy/acme-challenge.js';
import { normalizeHostname } from '../proxy/hostname.js';

export interface HostRule {
  redirectTo: string | null;
  hsts: boolean;
}

export interface HostPolicyDeps {
  rule(hostname: string): HostRule | undefined;
  hasValidCertificate(hostname: string): boolean;
  httpsPort: number;
}

const HSTS = 'max-age=31536000';

/** Returns true when it answered the request itself. */
export function createHostPolicy(deps: HostPolicyDeps) {
  const httpsSuffix = deps.httpsPort === 443 ? '' : `:${deps.httpsPort}`;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const hostname = normalizeHostname(req.headers.host);
    if (hostname === undefined) return false;
    const rule = deps.rule(hostname);
    const isSecure = (req.socket as TLSSocket).encrypted === true;
    const path = req.url ?? '/';
    if (!isSecure && path.startsWith(ACME_CHALLENGE_PREFIX)) return false;
    if (rule?.redirectTo) {
      const toHttps = isSecure || deps.hasValidCertificate(rule.redirectTo);
      return redirect(
        res,
        `${toHttps ? `https://${rule.redirectTo}${httpsSuffix}` : `http://${rule.redirectTo}${portOf(req)}`}${path}`,
      );
    }
    if (!isSecure && deps.hasValidCertificate(hostname))
      return redirect(res, `https://${hostname}${httpsSuffix}${path}`);
    if (isSecure && rule?.hsts) res.setHeader('strict-transport-security', HSTS);
    return false;
  };
}

function portOf(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  const match = /:(\d{1,5})$/.exec(host);
  return match ? `:${match[1]}` : '';
}

function redirect(res: ServerResponse, location: string): true {
  const body = `Moved to ${location}\n`;
  res.writeHead(308, {
    location,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
  return true;
}
