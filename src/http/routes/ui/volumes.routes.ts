/**
 * The Volumes tab of the service page (`/services/:id/volumes`): the volumes with their size, the add form
 * (name, mount path, shared), shared on/off, delete, and a volume's backups (`?volume=`): back up now,
 * restore, delete. Forms post with their CSRF token; without JavaScript they answer with a redirect back to
 * the tab, with htmx the section.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { isHtmx, isPageRequest, keepUrl } from '../../htmx.js';
import { statusOf } from '../../plugins/error-handler.js';
import { can } from '../../route-access.js';
import { backupParams, serviceParams, volumeParams } from '../api/volume-schemas.js';
import { asFormError, formBody } from './forms.js';
import { servicePageData } from './services.routes.js';

const hidden = { hide: true } as const;
const FIELDS = ['name', 'mountPath', 'shared'];
type Form = Partial<Record<(typeof FIELDS)[number], string>>;
type VolumeParams = { id: string; volumeId: string };
type BackupParams = VolumeParams & { backupId: string };

export async function volumesUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { volumes, backups } = ctx.volumes;
  const data = async (serviceId: string, volumeId?: string) => {
    const list = await volumes.list(serviceId);
    const selected = list.find((v) => v.id === volumeId);
    return { serviceId, volumes: list, selected, backups: selected ? await backups.list(selected) : [] };
  };

  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    serviceId: string,
    extra: Record<string, unknown> & { volumeId?: string } = {},
    status = 200,
  ) => {
    const model = { ...(await data(serviceId, extra.volumeId)), ...extra };
    if (isPageRequest(request)) {
      return reply.page('service', await servicePageData(ctx, serviceId, { tab: 'volumes', ...model }), status);
    }
    return reply.page('service-volumes', model, status);
  };

  const answer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    serviceId: string,
    volumeId: string | undefined,
    notice: string,
  ) => {
    if (!isHtmx(request)) {
      reply.flash('success', notice);
      return reply.redirect(`/services/${serviceId}/volumes${volumeId ? `?volume=${volumeId}` : ''}`, 303);
    }
    keepUrl(reply);
    return show(request, reply, serviceId, { volumeId, notice });
  };

  /** A refusal shown beside the form (400/409 …); anything else goes to the error handler. */
  const attempt = async (
    request: FastifyRequest,
    reply: FastifyReply,
    serviceId: string,
    extra: { volumeId?: string; volumeForm?: Form },
    work: () => Promise<unknown>,
  ) => {
    try {
      return await work();
    } catch (error) {
      const refused = asFormError(error);
      if (!refused) throw error;
      keepUrl(reply);
      const model = { ...extra, error: refused.message, errors: refused.details ?? {} };
      return show(request, reply, serviceId, model, statusOf(refused.code));
    }
  };

  app.get<{ Params: { id: string }; Querystring: { volume?: string } }>(
    '/services/:id/volumes',
    {
      config: can('project.read', 'service'),
      schema: {
        ...hidden,
        params: serviceParams,
        querystring: { type: 'object', properties: { volume: { type: 'string', maxLength: 64 } } },
      },
    },
    async (request, reply) => show(request, reply, request.params.id, { volumeId: request.query.volume }),
  );

  app.post<{ Params: { id: string }; Body: Form }>(
    '/services/:id/volumes',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: serviceParams, body: formBody([], FIELDS) },
    },
    async (request, reply) => {
      const { id } = request.params;
      const body = request.body;
      return attempt(request, reply, id, { volumeForm: body }, async () => {
        const volume = await volumes.create(id, {
          name: body.name?.trim(),
          mountPath: body.mountPath?.trim(),
          shared: body.shared === 'on' || body.shared === 'true',
        });
        return answer(
          request,
          reply,
          id,
          volume.id,
          `Volume ${volume.name} added: it is mounted from the next deploy.`,
        );
      });
    },
  );

  app.post<{ Params: VolumeParams; Body: Form }>(
    '/services/:id/volumes/:volumeId',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: volumeParams, body: formBody([], FIELDS) },
    },
    async (request, reply) => {
      const { id, volumeId } = request.params;
      const body = request.body;
      return attempt(request, reply, id, { volumeId }, async () => {
        const change: Record<string, unknown> = { shared: body.shared === 'on' || body.shared === 'true' };
        if (body.mountPath?.trim()) change.mountPath = body.mountPath.trim();
        const volume = await volumes.update(volumeId, id, change);
        return answer(
          request,
          reply,
          id,
          volumeId,
          `Volume ${volume.name} saved: the change applies at the next deploy.`,
        );
      });
    },
  );

  app.post<{ Params: VolumeParams }>(
    '/services/:id/volumes/:volumeId/delete',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: volumeParams, body: formBody([], []) },
    },
    async (request, reply) => {
      const { id, volumeId } = request.params;
      return attempt(request, reply, id, { volumeId }, async () => {
        const volume = await volumes.get(volumeId, id);
        await volumes.remove(volumeId, id);
        return answer(request, reply, id, undefined, `Volume ${volume.name} deleted with its data and backups.`);
      });
    },
  );

  app.post<{ Params: VolumeParams }>(
    '/services/:id/volumes/:volumeId/backups',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: volumeParams, body: formBody([], []) },
    },
    async (request, reply) => {
      const { id, volumeId } = request.params;
      return attempt(request, reply, id, { volumeId }, async () => {
        await backups.create(await volumes.get(volumeId, id));
        return answer(
          request,
          reply,
          id,
          volumeId,
          'Backup started: it is verified by restoring it into a scratch volume.',
        );
      });
    },
  );

  app.post<{ Params: BackupParams }>(
    '/services/:id/volumes/:volumeId/backups/:backupId/restore',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: backupParams, body: formBody([], []) },
    },
    async (request, reply) => {
      const { id, volumeId, backupId } = request.params;
      return attempt(request, reply, id, { volumeId }, async () => {
        await backups.restore(await volumes.get(volumeId, id), backupId);
        return answer(request, reply, id, volumeId, 'Backup restored; the service runs again.');
      });
    },
  );

  app.post<{ Params: BackupParams }>(
    '/services/:id/volumes/:volumeId/backups/:backupId/delete',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: backupParams, body: formBody([], []) },
    },
    async (request, reply) => {
      const { id, volumeId, backupId } = request.params;
      return attempt(request, reply, id, { volumeId }, async () => {
        await backups.remove(await volumes.get(volumeId, id), backupId);
        return answer(request, reply, id, volumeId, 'Backup deleted.');
      });
    },
  );
}
