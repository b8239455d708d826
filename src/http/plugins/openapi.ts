/** OpenAPI document at /api/openapi.json and browsable docs at /api/docs, generated from route schemas. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { can } from '../route-access.js';

const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

const PUBLIC_DIR = new URL('../../../public/', import.meta.url);
const readPublic = (path: string) => readFileSync(fileURLToPath(new URL(path, PUBLIC_DIR)));

/**
 * Berth's name, icon and a way back to the panel on the docs page, as same-origin files (the docs' CSP
 * allows no inline script or style).
 */
function docsTheme() {
  const icon = readPublic('icons/berth.svg');
  return {
    theme: {
      title: 'API docs · Berth',
      css: [{ filename: 'berth-docs.css', content: readPublic('css/api-docs.css').toString() }],
      js: [{ filename: 'berth-docs.js', content: readPublic('js/api-docs.js').toString() }],
      favicon: [{ filename: 'berth.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: icon }],
    },
  };
}

export async function registerOpenApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Berth API',
        version: ctx.version,
        description:
          'Self-hosted PaaS. Authenticate with `Authorization: Bearer <token>`; create tokens in the ' +
          '[panel](/tokens) or with `berth token create`. [Back to the Berth panel](/).',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    // Shared schemas are referenced as "User#" in routes; expose them under readable names.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
}

/** The browsable docs and the JSON document (registered in the public route group). */
export async function openApiDocsRoutes(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    // Tags folded (a short page to find one's way in); no deep links: they put a link inside each operation's
    // toggle button (nested controls, for screen readers).
    uiConfig: { validatorUrl: null, docExpansion: 'none', deepLinking: false },
    ...docsTheme(),
    // Swagger UI's own CSP upgrades requests to HTTPS (breaking a plain-HTTP panel) and allows any https:
    // style; this one allows nothing from elsewhere. Swagger UI sets inline styles as it renders, so styles
    // (never scripts) may be inline on these pages only.
    staticCSP: DOCS_CSP,
  });
  app.get('/api/openapi.json', { config: can('public'), schema: { hide: true } }, async () => app.swagger());
}
