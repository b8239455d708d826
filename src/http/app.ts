/**
 * Builds the fastify app (never listens: main.ts does). Order matters: security (sessions, CSRF) and views
 * before routes; the error handler maps AppError codes to HTTP in one place. Routes are registered in three
 * groups (route-groups.ts) that decide who may call them: public, panel (session) and api (token).
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
import { databaseSchemas } from './routes/api/database-schemas.js';
import { dnsCheckSchema, domainSchema } from './routes/api/domain-schemas.js';
import { notificationSchemas } from './routes/api/notification-schemas.js';
import { projectSchemas } from './routes/api/project-schemas.js';
import { apiTokenSchema, errorSchema, userSchema } from './routes/api/schemas.js';
import { apiGroup, panelGroup, publicByNature, publicGroup, trackRoutes } from './route-groups.js';
import { healthRoutes } from './routes/health.routes.js';
import { configSchemaRoutes } from './routes/config-schema.routes.js';
import { gitHttpRoutes } from './routes/git-http.routes.js';
import { hooksRoutes } from './routes/hooks.routes.js';
import { openApiDocsRoutes } from './plugins/openapi.js';
import { sessionRoutes } from './routes/ui/session.routes.js';
import { loginTwoFactorRoutes } from './routes/ui/login-two-factor.routes.js';
import { loginPasskeyRoutes } from './routes/ui/login-passkey.routes.js';
import { passkeysRoutes } from './routes/ui/passkeys.routes.js';
import { ssoRoutes } from './routes/ui/sso.routes.js';
import { accountRoutes } from './routes/ui/account.routes.js';
import { serverSignInRoutes } from './routes/ui/server-sign-in.routes.js';
import { setupRoutes } from './routes/ui/setup.routes.js';
import { inviteRoutes } from './routes/ui/invite.routes.js';
import { membersApiRoutes } from './routes/api/members.routes.js';
import { panelRoutes } from './routes/ui/panel.routes.js';
import { projectsUiRoutes } from './routes/ui/projects.routes.js';
import { servicesUiRoutes } from './routes/ui/services.routes.js';
import { serviceVariablesUiRoutes } from './routes/ui/service-variables.routes.js';
import { domainsUiRoutes } from './routes/ui/domains.routes.js';
import { cronUiRoutes } from './routes/ui/cron.routes.js';
import { volumesUiRoutes } from './routes/ui/volumes.routes.js';
import { notificationsUiRoutes } from './routes/ui/notifications.routes.js';
import { deploymentsUiRoutes } from './routes/ui/deployments.routes.js';
import { serviceStatusUiRoutes } from './routes/ui/service-status.routes.js';
import { trafficUiRoutes } from './routes/ui/traffic.routes.js';
import { sshKeysUiRoutes } from './routes/ui/ssh-keys.routes.js';
import { cliApproveUiRoutes } from './routes/ui/cli-approve.routes.js';
import { cliLoginRoutes } from './routes/cli-login.routes.js';
import { serviceGitUiRoutes } from './routes/ui/service-git.routes.js';
import { databasesUiRoutes } from './routes/ui/databases.routes.js';
import { systemUiRoutes } from './routes/ui/system.routes.js';
import { metricsUiRoutes } from './routes/ui/metrics.routes.js';
import { projectsApiRoutes } from './routes/api/projects.routes.js';
import { servicesApiRoutes } from './routes/api/services.routes.js';
import { projectConfigApiRoutes } from './routes/api/project-config.routes.js';
import { projectConfigUiRoutes } from './routes/ui/project-config.routes.js';
import { domainsApiRoutes } from './routes/api/domains.routes.js';
import { cronApiRoutes } from './routes/api/cron.routes.js';
import { workersApiRoutes } from './routes/api/workers.routes.js';
import { autoscaleApiRoutes } from './routes/api/autoscale.routes.js';
import { autoscaleUiRoutes } from './routes/ui/autoscale.routes.js';
import { workersUiRoutes } from './routes/ui/workers.routes.js';
import { volumesApiRoutes } from './routes/api/volumes.routes.js';
import { environmentsApiRoutes } from './routes/api/environments.routes.js';
import { previewsApiRoutes } from './routes/api/previews.routes.js';
import { environmentsUiRoutes } from './routes/ui/environments.routes.js';
import { stacksApiRoutes } from './routes/api/stacks.routes.js';
import { stackDomainsApiRoutes } from './routes/api/stack-domains.routes.js';
import { stacksUiRoutes } from './routes/ui/stacks.routes.js';
import { stackDomainsUiRoutes } from './routes/ui/stack-domains.routes.js';
import { previewsUiRoutes } from './routes/ui/previews.routes.js';
import { templatesApiRoutes } from './routes/api/templates.routes.js';
import { templatesUiRoutes } from './routes/ui/templates.routes.js';
import { notificationsApiRoutes } from './routes/api/notifications.routes.js';
import { deploymentsApiRoutes } from './routes/api/deployments.routes.js';
import { uploadsApiRoutes } from './routes/api/uploads.routes.js';
import { serviceLogsApiRoutes } from './routes/api/service-logs.routes.js';
import { serviceStatusApiRoutes } from './routes/api/service-status.routes.js';
import { trafficApiRoutes } from './routes/api/traffic.routes.js';
import { apiV1Routes } from './routes/api/v1.routes.js';
import { serviceGitApiRoutes } from './routes/api/service-git.routes.js';
import { sshKeysApiRoutes } from './routes/api/ssh-keys.routes.js';
import { databasesApiRoutes } from './routes/api/databases.routes.js';
import { metricsApiRoutes, prometheusRoutes } from './routes/api/metrics.routes.js';
import { liveUiRoutes } from './routes/ui/live.routes.js';
import { serviceLogsUiRoutes } from './routes/ui/service-logs.routes.js';
import { serviceTerminalUiRoutes } from './routes/ui/service-terminal.routes.js';
import { paletteRoutes } from './routes/ui/palette.routes.js';
import { databaseLogsApiRoutes } from './routes/api/database-logs.routes.js';
import { databaseLogsUiRoutes } from './routes/ui/database-logs.routes.js';
import { auditUiRoutes } from './routes/ui/audit.routes.js';
import { membersUiRoutes } from './routes/ui/members.routes.js';
import { auditApiRoutes } from './routes/api/audit.routes.js';
import { registerAuditHook } from './plugins/audit-hook.js';
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
  trackRoutes(app);
  // On the root instance, so the OpenAPI document lists them under their own names.
  for (const schema of [errorSchema, userSchema, apiTokenSchema, deploymentSchema, domainSchema, dnsCheckSchema])
    app.addSchema(schema);
  for (const schema of [...projectSchemas, ...databaseSchemas, ...notificationSchemas]) app.addSchema(schema);

  await app.register(fastifyFormbody);
  await registerWebsocket(app);
  await registerSecurity(app, ctx);
  registerViews(app, ctx);
  registerErrorHandling(app);
  await registerOpenApi(app, ctx);
  // On the root, before the groups: every non-GET panel and API request (and a few public ones) is audited.
  registerAuditHook(app, ctx);

  const git = ctx.git;
  await publicGroup(app, [
    publicByNature(async (scope) => {
      await scope.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/public/', maxAge: '1h' });
    }),
    publicByNature(async (scope) => openApiDocsRoutes(scope)),
    async (scope) => healthRoutes(scope, ctx),
    async (scope) => configSchemaRoutes(scope),
    async (scope) => setupRoutes(scope, ctx),
    async (scope) => inviteRoutes(scope, ctx),
    async (scope) => sessionRoutes(scope, ctx),
    async (scope) => loginTwoFactorRoutes(scope, ctx),
    async (scope) => loginPasskeyRoutes(scope, ctx),
    async (scope) => ssoRoutes(scope, ctx),
    async (scope) => cliLoginRoutes(scope, ctx),
    // Webhooks and deploy hooks carry their own secrets; the git remote checks a token in its onRequest.
    async (scope) => hooksRoutes(scope, ctx, ctx.webhooks),
    ...(git ? [async (scope: FastifyInstance) => gitHttpRoutes(scope, ctx, git)] : []),
  ]);
  await panelGroup(app, ctx, [
    async (scope) => panelRoutes(scope, ctx),
    async (scope) => projectsUiRoutes(scope, ctx),
    async (scope) => servicesUiRoutes(scope, ctx),
    async (scope) => serviceVariablesUiRoutes(scope, ctx),
    async (scope) => domainsUiRoutes(scope, ctx),
    async (scope) => notificationsUiRoutes(scope, ctx),
    async (scope) => deploymentsUiRoutes(scope, ctx),
    async (scope) => serviceStatusUiRoutes(scope, ctx),
    async (scope) => trafficUiRoutes(scope, ctx),
    async (scope) => sshKeysUiRoutes(scope, ctx),
    async (scope) => cliApproveUiRoutes(scope, ctx),
    async (scope) => serviceGitUiRoutes(scope, ctx),
    async (scope) => databasesUiRoutes(scope, ctx),
    async (scope) => systemUiRoutes(scope, ctx),
    async (scope) => metricsUiRoutes(scope, ctx),
    async (scope) => paletteRoutes(scope, ctx),
    async (scope) => liveUiRoutes(scope, ctx),
    async (scope) => serviceLogsUiRoutes(scope, ctx),
    async (scope) => serviceTerminalUiRoutes(scope, ctx),
    async (scope) => databaseLogsUiRoutes(scope, ctx),
    async (scope) => accountRoutes(scope, ctx),
    async (scope) => passkeysRoutes(scope, ctx),
    async (scope) => serverSignInRoutes(scope, ctx),
    async (scope) => auditUiRoutes(scope, ctx),
    async (scope) => membersUiRoutes(scope, ctx),
    async (scope) => cronUiRoutes(scope, ctx),
    async (scope) => workersUiRoutes(scope, ctx),
    async (scope) => autoscaleUiRoutes(scope, ctx),
    async (scope) => volumesUiRoutes(scope, ctx),
    async (scope) => stacksUiRoutes(scope, ctx),
    async (scope) => stackDomainsUiRoutes(scope, ctx),
    async (scope) => previewsUiRoutes(scope, ctx),
    async (scope) => templatesUiRoutes(scope, ctx),
    async (scope) => projectConfigUiRoutes(scope, ctx),
    async (scope) => environmentsUiRoutes(scope, ctx),
  ]);
  await apiGroup(app, ctx, '/api/v1', [
    async (scope) => projectsApiRoutes(scope, ctx),
    async (scope) => servicesApiRoutes(scope, ctx),
    async (scope) => domainsApiRoutes(scope, ctx),
    async (scope) => notificationsApiRoutes(scope, ctx),
    async (scope) => deploymentsApiRoutes(scope, ctx),
    async (scope) => uploadsApiRoutes(scope, ctx),
    async (scope) => serviceLogsApiRoutes(scope, ctx),
    async (scope) => serviceStatusApiRoutes(scope, ctx),
    async (scope) => trafficApiRoutes(scope, ctx),
    async (scope) => apiV1Routes(scope, ctx),
    async (scope) => serviceGitApiRoutes(scope, ctx),
    async (scope) => sshKeysApiRoutes(scope, ctx),
    async (scope) => databasesApiRoutes(scope, ctx),
    async (scope) => metricsApiRoutes(scope, ctx),
    async (scope) => databaseLogsApiRoutes(scope, ctx),
    async (scope) => auditApiRoutes(scope, ctx),
    async (scope) => membersApiRoutes(scope, ctx),
    async (scope) => cronApiRoutes(scope, ctx),
    async (scope) => workersApiRoutes(scope, ctx),
    async (scope) => autoscaleApiRoutes(scope, ctx),
    async (scope) => volumesApiRoutes(scope, ctx),
    async (scope) => stacksApiRoutes(scope, ctx),
    async (scope) => stackDomainsApiRoutes(scope, ctx),
    async (scope) => templatesApiRoutes(scope, ctx),
    async (scope) => projectConfigApiRoutes(scope, ctx),
    async (scope) => environmentsApiRoutes(scope, ctx),
    async (scope) => previewsApiRoutes(scope, ctx),
  ]);
  // GET /metrics for Prometheus: outside /api/v1 (where Prometheus looks by default), same token check.
  await apiGroup(app, ctx, '', [async (scope) => prometheusRoutes(scope, ctx)]);
  return app;
}
