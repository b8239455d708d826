/** Security headers (CSP without inline scripts), same-origin checks, cookies, server-side sessions and CSRF protection. */
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyHelmet from '@fastify/helmet';
import fastifySession from '@fastify/session';
import type { FastifyInstance } from 'fastify';
import { SESSION_TTL_MS } from '../../auth/session-store.js';
import type { AppContext } from '../context.js';
import { registerSameOriginCheck } from './same-origin.js';

export const SESSION_COOKIE = 'berth_session';

export async function registerSecurity(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // HSTS belongs to the TLS proxy, which knows whether the panel is really served over HTTPS.
    strictTransportSecurity: false,
    // Not no-referrer: under it Chromium sends `Origin: null` on the panel's own form posts, and on a plain-HTTP
    // address (not localhost) it sends no Sec-Fetch-Site either, so the same-origin check refused every form
    // (login included). same-origin still sends nothing to other sites.
    referrerPolicy: { policy: 'same-origin' },
    // Browsers ignore COOP on a plain-HTTP address and log an error on every page; send it over HTTPS only.
    crossOriginOpenerPolicy: ctx.config.secureCookies,
  });

  registerSameOriginCheck(app, ctx.config.publicUrl);
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: ctx.sessionSecret,
    cookieName: SESSION_COOKIE,
    store: ctx.sessionStore,
    saveUninitialized: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.config.secureCookies,
      path: '/',
      maxAge: SESSION_TTL_MS,
    },
  });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/session',
    // Forms send `_csrf`; htmx sends the header set on <body hx-headers>.
    getToken: (request) => {
      const body = request.body as Record<string, unknown> | undefined;
      const fromBody = body && typeof body._csrf === 'string' ? body._csrf : undefined;
      const fromHeader = request.headers['x-csrf-token'];
      return fromBody ?? (typeof fromHeader === 'string' ? fromHeader : undefined);
    },
  });
}
