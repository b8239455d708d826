/**
 * Each route reads at most the body it needs: a login form is a few hundred bytes, a service's variables
 * and build arguments can be hundreds of kilobytes. A larger body is answered 413 before it is parsed.
 * Routes that set their own limit keep it (webhooks: 5 MB; the git remote streams and is never buffered).
 */
import type { FastifyInstance } from 'fastify';

const KiB = 1024;
/** Every route not named below: names, domains, tokens, SSH public keys (16 KB, percent-encoded in forms). */
export const DEFAULT_BODY_LIMIT = 64 * KiB;

const LIMITS: Array<{ bytes: number; urls: RegExp }> = [
  // Sign-in forms: email, password, next, CSRF token.
  { bytes: 4 * KiB, urls: /^\/(login|logout|setup)$/ },
  // Variables (up to 500), build arguments (up to 100 × 4 KB) and repository credentials of a service.
  {
    bytes: 1024 * KiB,
    urls: /^(\/api\/v1)?\/(services\/:id(\/settings|\/variables(\/.*)?)?|projects\/:id\/services)$/,
  },
];

/** Call on the root instance before routes are registered: the hook sees every route, in every scope. */
export function registerBodyLimits(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.bodyLimit !== undefined) return;
    const match = LIMITS.find((limit) => limit.urls.test(route.url));
    if (match) route.bodyLimit = match.bytes;
  });
}
