/** JSON API for managed databases and their backups (Bearer token auth). Names as in DESIGN.md "API shape". */
import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { idParams } from './project-schemas.js';
import { bearerSecurity, errorResponses } from './schemas.js';
import { can } from '../../route-access.js';

type Body = Record<string, unknown>;
const tags = ['databases'];
const database = { $ref: 'Database#' };
const backup = { $ref: 'Backup#' };
const anyBody = { type: 'object' } as const;

function schema(summary: string, response: object, extra: object = {}) {
  return {
    tags,
    summary,
    security: bearerSecurity,
    params: idParams,
    response: { ...response, ...errorResponses },
    ...extra,
  };
}

export async function databasesApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { databases, backups } = ctx.databases;

  app.post<{ Params: { id: string }; Body: Body }>(
    '/projects/:id/databases',
    {
      config: can('project.admin', 'project'),
      schema: schema(
        'Add a database to a project (provisioned in the background: poll its status)',
        { 201: database },
        {
          body: {
            type: 'object',
            required: ['name', 'engine'],
            additionalProperties: false,
            properties: {
              name: { type: 'string' },
              engine: { type: 'string' },
              version: { type: 'string' },
              environment: { type: 'string', maxLength: 63, description: 'Environment name (default production)' },
              memoryMb: { type: ['integer', 'null'] },
              cpus: { type: ['number', 'null'] },
            },
            examples: [{ name: 'db', engine: 'postgres' }],
          },
        },
      ),
    },
    async (request, reply) => {
      const created = await databases.create(request.params.id, request.body);
      return reply.status(201).send(await databases.view(created.id));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/projects/:id/databases',
    {
      config: can('project.read', 'project'),
      schema: schema("A project's databases (never their credentials)", { 200: { type: 'array', items: database } }),
    },
    async (request) => databases.list(request.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/databases/:id',
    {
      config: can('project.read', 'database'),
      schema: schema('A database with its status and health', { 200: database }),
    },
    async (request) => databases.view(request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: Body }>(
    '/databases/:id',
    {
      config: can('project.deploy', 'database'),
      schema: schema(
        'Change limits or public access; the container is recreated on the same volume',
        { 200: database },
        {
          description:
            'publicAccess {host, port} publishes the database on that host address (default 127.0.0.1): anyone who can reach it can try the password. null takes it off again.',
          body: anyBody,
        },
      ),
    },
    async (request) => {
      await databases.updateSettings(request.params.id, request.body ?? {});
      return databases.view(request.params.id);
    },
  );

  for (const action of ['start', 'stop', 'restart'] as const) {
    app.post<{ Params: { id: string } }>(
      `/databases/:id/${action}`,
      {
        config: can('project.deploy', 'database'),
        schema: schema(`${action[0]!.toUpperCase()}${action.slice(1)} the database`, { 200: database }),
      },
      async (request) => {
        await databases[action](request.params.id);
        return databases.view(request.params.id);
      },
    );
  }

  app.delete<{ Params: { id: string }; Body: Body }>(
    '/databases/:id',
    {
      config: can('project.admin', 'database'),
      schema: schema(
        'Delete a database: {"confirm": "<its name>", "deleteVolume": false}',
        { 200: database },
        {
          body: anyBody,
        },
      ),
    },
    async (request) => {
      const body = request.body ?? {};
      const removed = await databases.remove(request.params.id, body);
      await backups.forget(removed.id);
      return { ...removed, health: 'missing', variableNames: [] };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/databases/:id/credentials',
    {
      config: can('project.deploy', 'database'),
      schema: schema('The connection variables with their values (a secret: shown on request only)', {
        200: {
          type: 'object',
          properties: { variables: { type: 'object', additionalProperties: { type: 'string' } } },
        },
      }),
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return { variables: await databases.reveal(request.params.id) };
    },
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/databases/:id/connect',
    {
      config: can('project.deploy', 'database'),
      schema: schema(
        'Give an app of the project a reference variable to this database, e.g. DATABASE_URL=${{db.DATABASE_URL}}',
        { 200: { type: 'object', properties: { key: { type: 'string' }, value: { type: 'string' } } } },
        {
          body: {
            type: 'object',
            required: ['serviceId'],
            properties: { serviceId: { type: 'string' }, key: { type: 'string' } },
          },
        },
      ),
    },
    async (request) => databases.connect(request.params.id, request.body.serviceId, request.body.key),
  );

  app.put<{ Params: { id: string }; Body: Body }>(
    '/databases/:id/backup-schedule',
    {
      config: can('project.deploy', 'database'),
      schema: schema(
        'Set the backup schedule (cron, or null for none) and how many verified backups to keep',
        { 200: database },
        {
          body: { type: 'object', properties: { schedule: { type: ['string', 'null'] }, keep: { type: 'integer' } } },
        },
      ),
    },
    async (request) => {
      await backups.setSchedule(request.params.id, request.body);
      return databases.view(request.params.id);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/databases/:id/backups',
    {
      config: can('project.deploy', 'database'),
      schema: schema('Take a backup now; it is dumped, then verified by a restore into a throwaway copy', {
        202: backup,
      }),
    },
    async (request, reply) => reply.status(202).send(await backups.start(request.params.id)),
  );

  app.get<{ Params: { id: string } }>(
    '/databases/:id/backups',
    {
      config: can('project.read', 'database'),
      schema: schema("A database's backups, newest first", { 200: { type: 'array', items: backup } }),
    },
    async (request) => backups.list(request.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/backups/:id',
    { config: can('project.read', 'backup'), schema: schema('One backup', { 200: backup }) },
    async (request) => backups.get(request.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/backups/:id/download',
    {
      config: can('project.deploy', 'backup'),
      schema: {
        tags,
        summary: 'The backup file (gzip); its sha256 is in the X-Checksum-Sha256 header',
        security: bearerSecurity,
        params: idParams,
      },
    },
    async (request, reply) => {
      const { path, name, backup: b } = await backups.file(request.params.id);
      return reply
        .header('content-type', 'application/gzip')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('x-checksum-sha256', b.sha256 ?? '')
        .send(createReadStream(path));
    },
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/backups/:id/restore',
    {
      config: can('project.admin', 'backup'),
      schema: schema(
        'Restore a verified backup: {"confirm": "<target database name>"}, into its own database or {"targetDatabaseId"} of the same engine',
        { 200: { type: 'object', properties: { durationMs: { type: 'integer' } } } },
        { body: anyBody },
      ),
    },
    async (request) => backups.restore(request.params.id, request.body ?? {}),
  );
}
