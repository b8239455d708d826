/**
 * Builds the fastify app (never listens: main.ts does). Order matters: security (sessions, CSRF) and views
 * before routes; the error handler maps AppError codes to HTTP in one place.
 */
import { fileURLToPath } from 'node:url';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from './context.js';
import { DEFAULT_BODY_LIMIT, registerBodyLimits } from './plugins/body-limits.js';
import { registerErrorHandling } from './plugins/error-handler.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerSecurity } from './plugins/security.js';
import { registerViews } from './plugins/views.js';
import { registerWebsocket } from './plugins/websocket.js';
import { deploymentSchema } from './routes/api/deployment-schemas.js';
import { deploymentsApiRoutes } from './routes/api/deployments.routes.js';
import { deploymentsUiRoutes } from './routes/ui/deployments.routes.js';
import { serviceLogsApiRoutes } from './routes/api/service-logs.routes.js';
import { serviceStatusApiRoutes } from './routes/api/service-status.routes.js';
import { trafficApiRoutes } from './routes/api/traffic.routes.js';
import { trafficUiRoutes } from './routes/ui/traffic.routes.js';
import { serviceStatusUiRoutes } from './routes/ui/service-status.routes.js';
import { liveUiRoutes } from './routes/ui/live.routes.js';
import { serviceLogsUiRoutes } from './routes/ui/service-logs.routes.js';
import { apiV1Routes } from './routes/api/v1.routes.js';
import { registerDatabaseRoutes } from './routes/database-routes.js';
import { apiTokenSchema, errorSchema, userSchema } from './routes/api/schemas.js';
import { healthRoutes } from './routes/health.routes.js';
import { registerFeatureRoutes } from './routes/feature-routes.js';
import { registerDomainRoutes } from './routes/domain-routes.js';
import { registerNotificationRoutes } from './routes/notification-routes.js';
import { panelRoutes } from './routes/ui/panel.routes.js';
import { paletteRoutes } from './routes/ui/palette.routes.js';
import { sessionRoutes } from './routes/ui/session.routes.js';
import { setupRoutes } from './routes/ui/setup.routes.js';
import { registerGitRoutes } from './routes/git-routes.js';
import { systemUiRoutes } from './routes/ui/system.routes.js';
import { metricsApiRoutes, prometheusRoutes } from './routes/api/metrics.routes.js';
import { metricsUiRoutes } from './routes/ui/metrics.routes.js';
import { databaseLogsApiRoutes } from './routes/api/database-logs.routes.js';
import { databaseLogsUiRoutes } from './routes/ui/database-logs.routes.js';
import './types.js';

const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  // Typed as fastify's base logger so every plugin sees the default FastifyInstance type.
  const logger: FastifyBaseLogger = ctx.logger.child({ component: 'http' });
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    // Per-request lines would drown the log; errors are still logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // X-Forwarded-For (the client address the login throttle counts) only from configured proxies.
    trustProxy: ctx.config.trustedProxies.length > 0 ? [...ctx.config.trustedProxies] : false,
    bodyLimit: DEFAULT_BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });

  registerBodyLimits(app);
  app.addSchema(errorSchema);
  app.addSchema(userSchema);
  app.addSchema(apiTokenSchema);
  app.addSchema(deploymentSchema);

  await app.register(fastifyFormbody);
  await registerWebsocket(app);
  await registerSecurity(app, ctx);
  registerViews(app, ctx);
  registerErrorHandling(app);
  await registerOpenApi(app, ctx);
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/public/', maxAge: '1h' });

  await app.register(async (scope) => healthRoutes(scope, ctx));
  await app.register(async (scope) => setupRoutes(scope, ctx));
  await app.register(async (scope) => sessionRoutes(scope, ctx));
  await app.register(async (scope) => panelRoutes(scope, ctx));
  await app.register(async (scope) => paletteRoutes(scope, ctx));
  await registerFeatureRoutes(app, ctx);
  await registerDomainRoutes(app, ctx);
  await registerNotificationRoutes(app, ctx);
  await app.register(async (scope) => deploymentsUiRoutes(scope, ctx));
  await app.register(async (scope) => deploymentsApiRoutes(scope, ctx), { prefix: '/api/v1' });
  await app.register(async (scope) => serviceStatusUiRoutes(scope, ctx));
  await app.register(async (scope) => liveUiRoutes(scope, ctx));
  await app.register(async (scope) => serviceLogsUiRoutes(scope, ctx));
  await app.register(async (scope) => serviceLogsApiRoutes(scope, ctx), { prefix: '/api/v1' });
  await app.register(async (scope) => serviceStatusApiRoutes(scope, ctx), { prefix: '/api/v1' });
  await app.register(async (scope) => trafficApiRoutes(scope, ctx), { prefix: '/api/v1' });
  await app.register(async (scope) => trafficUiRoutes(scope, ctx));
  await app.register(async (scope) => apiV1Routes(scope, ctx), { prefix: '/api/v1' });
  await registerGitRoutes(app, ctx);
  await registerDatabaseRoutes(app, ctx);
  await app.register(async (scope) => systemUiRoutes(scope, ctx));
  await app.register(async (scope) => metricsApiRoutes(scope, ctx), { prefix: '/api/v1' });
  await app.register(async (scope) => prometheusRoutes(scope, ctx));
  await app.register(async (scope) => metricsUiRoutes(scope, ctx));
  await app.register(async (scope) => databaseLogsApiRoutes(scope, ctx), { prefix: '/api/v1' });
  await app.register(async (scope) => databaseLogsUiRoutes(scope, ctx));
  return app;
}
