/**
 * The published JSON Schemas of berth.json (README "Config as code") and berth.project.json (README
 * "Project as code"), public so editors can fetch them.
 */
import type { FastifyInstance } from 'fastify';
import { BERTH_SCHEMA } from '../../repo-config/berth-schema.js';
import { PROJECT_SCHEMA } from '../../project-config/project-file.js';
import { can } from '../route-access.js';

const BODY = JSON.stringify(BERTH_SCHEMA, null, 2);
const PROJECT_BODY = JSON.stringify(PROJECT_SCHEMA, null, 2);

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
  app.get(
    '/schema/berth.project.json',
    {
      config: can('public'),
      schema: { tags: ['system'], summary: 'The JSON Schema of berth.project.json, a whole project as a file' },
    },
    async (_request, reply) =>
      reply
        .type('application/schema+json; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(PROJECT_BODY),
  );
}
