/**
 * State-changing panel requests must come from the panel's own pages. The CSRF token already proves that
 * for forms, but a token can leak (a page cached, a log); the browser's Origin header cannot be forged by
 * a page. So a POST/PUT/PATCH/DELETE to the panel with a foreign Origin (or Sec-Fetch-Site that is not
 * same-origin) is refused before its body is read. Requests without either header (curl, old browsers)
 * still need their CSRF token. The JSON API (bearer tokens, no cookies), the git remote and webhooks are
 * not panel pages and are left alone.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const NOT_PANEL = /^\/(api|git|hooks)\//;

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** Same host (and port) as this request or as the configured public URL; the scheme may differ behind a TLS proxy. */
export function isSameOrigin(request: FastifyRequest, origin: string, publicUrl: string): boolean {
  const originHost = hostOf(origin);
  if (originHost === undefined) return false;
  const requestHost = request.headers.host
    ? hostOf(`${origin.startsWith('https:') ? 'https' : 'http'}://${request.headers.host}`)
    : undefined;
  return originHost === requestHost || originHost === hostOf(publicUrl);
}

export function registerSameOriginCheck(app: FastifyInstance, publicUrl: string): void {
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method) || NOT_PANEL.test(request.url)) return;
    const fetchSite = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    // Chromium sends `Origin: null` on a same-origin form POST when the page's referrer policy is no-referrer;
    // an opaque origin is then only trusted when Sec-Fetch-Site (which a page cannot set) says same-origin.
    const vouchedOpaque = origin === 'null' && fetchSite === 'same-origin';
    const isForeign =
      (typeof fetchSite === 'string' && fetchSite !== 'same-origin' && fetchSite !== 'none') ||
      (origin !== undefined && !vouchedOpaque && !isSameOrigin(request, origin, publicUrl));
    if (isForeign) {
      throw new AppError('FORBIDDEN', 'This request came from another site. Use the Berth panel itself.');
    }
  });
}
