/**
 * Registers the projects feature's routes: panel pages (session guard) and /api/v1 routes (token guard).
 * Each route plugin adds its own guard, so it stays protected wherever it is registered.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { projectSchemas } from './api/project-schemas.js';
import { projectsApiRoutes } from './api/projects.routes.js';
import { servicesApiRoutes } from './api/services.routes.js';
import { projectsUiRoutes } from './ui/projects.routes.js';
import { serviceVariablesUiRoutes } from './ui/service-variables.routes.js';
import { servicesUiRoutes } from './ui/services.routes.js';

export async function registerFeatureRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // On the root instance, so the OpenAPI document lists them under their own names.
  for (const schema of projectSchemas) app.addSchema(schema);

  await app.register(async (scope) => projectsUiRoutes(scope, ctx));
  await app.register(async (scope) => servicesUiRoutes(scope, ctx));
  await app.register(async (scope) => serviceVariablesUiRoutes(scope, ctx));
  await app.register(async (scope) => projectsApiRoutes(scope, ctx), { prefix: '/api/v1' });
  await app.register(async (scope) => servicesApiRoutes(scope, ctx), { prefix: '/api/v1' });
}
