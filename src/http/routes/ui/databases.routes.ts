/**
 * Panel pages of managed databases: the project page's "Databases" section (loaded into it by htmx),
 * the database page (status, connection details revealed on request, connect to an app, backups with
 * download/restore, schedule editor, limits and public port, start/stop/restart, delete), whose status and
 * backups follow the live stream. Every action is a CSRF-protected form; errors come back as a flash
 * message in plain words.
 */
import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isAppError } from '../../../errors.js';
import { ENGINES, ENGINE_NAMES } from '../../../databases/engines/index.js';
import { describeCounts } from '../../../databases/verification.js';
import type { AppContext } from '../../context.js';
import { isPartial } from '../../htmx.js';
import { idParams } from '../api/project-schemas.js';
import { formBody } from './forms.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
type Fields = Record<string, string | undefined>;

const optionalNumber = (raw: string | undefined): number | null | undefined =>
  raw === undefined ? undefined : raw.trim() === '' ? null : Number(raw);

export async function databasesUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { databases, backups } = ctx.databases;
  const engines = ENGINE_NAMES.map((name) => ({ name, label: ENGINES[name].label, versions: ENGINES[name].versions }));

  const pageData = async (id: string, extra: Record<string, unknown> = {}) => {
    const database = await databases.view(id);
    const project = await ctx.projects.get(database.projectId);
    const list = (await backups.list(id)).map((b) => ({
      ...b,
      summary: b.restoredCounts
        ? describeCounts(
            b.restoredCounts,
            database.engine === 'redis'
              ? { items: 'keyspaces', entries: 'keys' }
              : { items: 'tables', entries: 'rows' },
          )
        : '',
    }));
    return {
      title: `${database.name} · ${project.name}`,
      project,
      database,
      engineLabel: ENGINES[database.engine].label,
      apps: await ctx.projects.listServices(database.projectId),
      // Where a backup can be restored: this database, or another of the same engine (e.g. a new one).
      restoreTargets: (await databases.list(database.projectId)).filter((d) => d.engine === database.engine),
      backups: list,
      ...extra,
    };
  };

  /** Runs a form action; an AppError becomes a flash message, and the page is shown again. */
  const act = async (reply: FastifyReply, id: string, work: () => Promise<string>) => {
    try {
      reply.flash('success', await work());
    } catch (error) {
      if (!isAppError(error)) throw error;
      reply.flash('error', error.message);
    }
    await reply.redirect(`/databases/${id}`, 303);
  };

  app.get<{ Params: { id: string } }>(
    '/projects/:id/databases',
    { config: can('project.read', 'project'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      const project = await ctx.projects.get(request.params.id);
      await reply.page('project-databases', {
        title: `Databases · ${project.name}`,
        project,
        databases: await databases.list(project.id),
        engines,
      });
    },
  );

  app.post<{ Params: { id: string }; Body: Fields }>(
    '/projects/:id/databases',
    {
      config: can('project.admin', 'project'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        params: idParams,
        body: formBody(['name', 'engine'], ['name', 'engine', 'version', 'memoryMb', 'environment']),
      },
    },
    async (request, reply) => {
      const { name, engine, version, memoryMb, environment } = request.body;
      try {
        const created = await databases.create(request.params.id, {
          name,
          engine,
          version,
          environment: environment || undefined,
          memoryMb: optionalNumber(memoryMb) ?? undefined,
        });
        reply.flash('success', `Database "${created.name}" is being created; this page updates when it is ready.`);
        await reply.redirect(`/databases/${created.id}`, 303);
      } catch (error) {
        if (!isAppError(error)) throw error;
        reply.flash('error', error.message);
        const env = environment ? `?env=${encodeURIComponent(environment)}` : '';
        await reply.redirect(`/projects/${request.params.id}${env}`, 303);
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/databases/:id',
    { config: can('project.read', 'database'), schema: { ...hidden, params: idParams } },
    async (request, reply) => reply.page('database', await pageData(request.params.id)),
  );

  /** The status badge, fetched again when the live stream says the status changed. */
  app.get<{ Params: { id: string } }>(
    '/databases/:id/status',
    { config: can('project.read', 'database'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      const database = await databases.view(request.params.id);
      await reply.page('database-status', { database });
    },
  );

  /** The backup list alone (htmx, when a backup starts or ends); a browser gets the database page. */
  app.get<{ Params: { id: string } }>(
    '/databases/:id/backups',
    { config: can('project.read', 'database'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      if (!isPartial(request)) return reply.redirect(`/databases/${request.params.id}`, 303);
      const data = await pageData(request.params.id);
      const off = data.database.status === 'creating' ? ' disabled aria-describedby="db-creating-reason"' : '';
      await reply.page('database-backups', { ...data, off });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/databases/:id/credentials',
    {
      config: can('project.deploy', 'database'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], []) },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      await reply.page('database-credentials', { variables: await databases.reveal(request.params.id) });
    },
  );

  for (const action of ['start', 'stop', 'restart'] as const) {
    app.post<{ Params: { id: string } }>(
      `/databases/:id/${action}`,
      {
        config: can('project.deploy', 'database'),
        preValidation: app.csrfProtection,
        schema: { ...hidden, params: idParams, body: formBody([], []) },
      },
      async (request, reply) =>
        act(reply, request.params.id, async () => {
          const d = await databases[action](request.params.id);
          return `Database "${d.name}" is ${d.status}.`;
        }),
    );
  }

  app.post<{ Params: { id: string }; Body: Fields }>(
    '/databases/:id/connect',
    {
      config: can('project.deploy', 'database'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody(['serviceId'], ['serviceId', 'key']) },
    },
    async (request, reply) =>
      act(reply, request.params.id, async () => {
        const { key, value } = await databases.connect(
          request.params.id,
          request.body.serviceId,
          request.body.key?.trim(),
        );
        return `The app now has ${key}=${value}; it takes effect at its next deploy.`;
      }),
  );

  app.post<{ Params: { id: string }; Body: Fields }>(
    '/databases/:id/settings',
    {
      config: can('project.deploy', 'database'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], ['memoryMb', 'cpus', 'publicPort', 'publicHost']) },
    },
    async (request, reply) =>
      act(reply, request.params.id, async () => {
        const f = request.body;
        const port = optionalNumber(f.publicPort);
        await databases.updateSettings(request.params.id, {
          memoryMb: optionalNumber(f.memoryMb),
          cpus: optionalNumber(f.cpus),
          publicAccess: port === null || port === undefined ? null : { host: f.publicHost?.trim(), port },
        });
        return port
          ? `Settings saved; the database is published on ${f.publicHost || '127.0.0.1'}:${port}.`
          : 'Settings saved.';
      }),
  );

  app.post<{ Params: { id: string }; Body: Fields }>(
    '/databases/:id/schedule',
    {
      config: can('project.deploy', 'database'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], ['schedule', 'keep']) },
    },
    async (request, reply) =>
      act(reply, request.params.id, async () => {
        const d = await backups.setSchedule(request.params.id, {
          schedule: request.body.schedule?.trim() || null,
          keep: optionalNumber(request.body.keep) ?? undefined,
        });
        return d.backupSchedule
          ? `Backups run on "${d.backupSchedule}", keeping ${d.backupKeep}.`
          : `No scheduled backups; keeping ${d.backupKeep}.`;
      }),
  );

  app.post<{ Params: { id: string } }>(
    '/databases/:id/backups',
    {
      config: can('project.deploy', 'database'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], []) },
    },
    async (request, reply) =>
      act(reply, request.params.id, async () => {
        await backups.start(request.params.id);
        return 'Backup started: it is dumped, then restored into a throwaway copy and checked.';
      }),
  );

  app.post<{ Params: { id: string }; Body: Fields }>(
    '/databases/:id/delete',
    {
      config: can('project.admin', 'database'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], ['confirm', 'deleteVolume']) },
    },
    async (request, reply) => {
      try {
        const removed = await databases.remove(request.params.id, {
          confirm: request.body.confirm?.trim(),
          deleteVolume: request.body.deleteVolume === 'on',
        });
        await backups.forget(removed.id);
        reply.flash(
          'success',
          `Database "${removed.name}" deleted${request.body.deleteVolume === 'on' ? ' with its data' : '; its volume is kept'}.`,
        );
        await reply.redirect(`/projects/${removed.projectId}`, 303);
      } catch (error) {
        if (!isAppError(error)) throw error;
        reply.flash('error', error.message);
        await reply.redirect(`/databases/${request.params.id}`, 303);
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/backups/:id/download',
    { config: can('project.deploy', 'backup'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      const { path, name, backup } = await backups.file(request.params.id);
      return reply
        .header('content-type', 'application/gzip')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('x-checksum-sha256', backup.sha256 ?? '')
        .send(createReadStream(path));
    },
  );

  app.post<{ Params: { id: string }; Body: Fields }>(
    '/backups/:id/restore',
    {
      config: can('project.admin', 'backup'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], ['confirm', 'targetDatabaseId']) },
    },
    async (request, reply) => {
      const backup = await backups.get(request.params.id);
      const target = request.body.targetDatabaseId || backup.databaseId;
      await act(reply, target, async () => {
        const { durationMs } = await backups.restore(backup.id, {
          confirm: request.body.confirm?.trim(),
          targetDatabaseId: target,
        });
        return `Backup restored in ${(durationMs / 1000).toFixed(1)} s.`;
      });
    },
  );
}
