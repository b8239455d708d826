/** Registers the domains feature: its schemas, the /api/v1 routes (token guard) and the panel partials (session guard). */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { dnsCheckSchema, domainSchema } from './api/domain-schemas.js';
import { domainsApiRoutes } from './api/domains.routes.js';
import { domainsUiRoutes } from './ui/domains.routes.js';

export async function registerDomainRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.addSchema(domainSchema);
  app.addSchema(dnsCheckSchema);
  await app.register(async (scope) => domainsApiRoutes(scope, ctx), { prefix: '/api/v1' });
  await app.register(async (scope) => domainsUiRoutes(scope, ctx));
}
