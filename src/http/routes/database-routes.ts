/** Registers the managed-databases feature's routes: its API (token guard) and panel pages (session guard). */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { databaseSchemas } from './api/database-schemas.js';
import { databasesApiRoutes } from './api/databases.routes.js';
import { databasesUiRoutes } from './ui/databases.routes.js';

export async function registerDatabaseRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  for (const schema of databaseSchemas) app.addSchema(schema);
  await app.register(async (scope) => databasesApiRoutes(scope, ctx), { prefix: '/api/v1' });
  await app.register(async (scope) => databasesUiRoutes(scope, ctx));
}
