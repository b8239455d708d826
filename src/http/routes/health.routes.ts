import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { can } from '../route-access.js';

/** Liveness for installers and orchestrators: 200 while the daemon serves, with the engine state as a fact. */
export async function healthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/healthz',
    {
      config: can('public'),
      schema: {
        tags: ['system'],
        summary: 'Daemon liveness',
        response: {
          200: {
            type: 'object',
            required: ['status', 'version', 'docker'],
            properties: {
              status: { type: 'string', enum: ['ok'] },
              version: { type: 'string' },
              docker: { type: 'string', enum: ['available', 'unavailable'] },
            },
          },
        },
      },
    },
    async () => ({
      status: 'ok' as const,
      version: ctx.version,
      // As of now, not as of the last heartbeat (up to 15 s old): orchestrators act on this answer.
      docker: (await ctx.engine.refresh()) ? ('available' as const) : ('unavailable' as const),
    }),
  );
}
