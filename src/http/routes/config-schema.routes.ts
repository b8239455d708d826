/** The published JSON Schema of berth.json (README "Config as code"), public so editors can fetch it. */
import type { FastifyInstance } from 'fastify';
import { BERTH_SCHEMA } from '../../repo-config/berth-schema.js';
import { can } from '../route-access.js';

const BODY = JSON.stringify(BERTH_SCHEMA, null, 2);

export async function configSchemaRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/schema/berth.json',
    {
      config: can('public'),
      schema: { tags: ['system'], summary: 'The JSON Schema of berth.json, the settings file in a repository' },
    },
    async (_request, reply) =>
      reply.type('application/schema+json; charset=utf-8').header('cache-control', 'public, max-age=300').send(BODY),
  );
}
