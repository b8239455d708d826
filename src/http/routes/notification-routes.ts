/** Registers alerts and notifications: schemas, the /api/v1 routes (token guard, admins) and the panel page (session guard). */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { notificationSchemas } from './api/notification-schemas.js';
import { notificationsApiRoutes } from './api/notifications.routes.js';
import { notificationsUiRoutes } from './ui/notifications.routes.js';

export async function registerNotificationRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  for (const schema of notificationSchemas) app.addSchema(schema);
  await app.register(async (scope) => notificationsApiRoutes(scope, ctx), { prefix: '/api/v1' });
  await app.register(async (scope) => notificationsUiRoutes(scope, ctx));
}
