/** OpenAPI document at /api/openapi.json and browsable docs at /api/docs, generated from route schemas. */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

export async function registerOpenApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Berth API',
        version: ctx.version,
        description:
          'Self-hosted PaaS. Authenticate with `Authorization: Bearer <token>`; create tokens in the panel or with `berth token create`.',
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
    uiConfig: { validatorUrl: null, docExpansion: 'list' },
    staticCSP: true,
    // Swagger UI's default CSP upgrades requests to HTTPS, which breaks the docs on a plain-HTTP panel.
    transformStaticCSP: (header) =>
      header.replace('upgrade-insecure-requests;', '').replace(' validator.swagger.io', ''),
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
