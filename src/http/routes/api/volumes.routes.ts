/** JSON API of service volumes (Bearer token auth): list, add, change, delete; backups list, create, restore, delete. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { bearerSecurity, errorResponses } from './schemas.js';
import {
  backupParams,
  createVolumeBody,
  serviceParams,
  updateVolumeBody,
  volumeBackupSchema,
  volumeParams,
  volumeSchema,
} from './volume-schemas.js';

const tags = ['volumes'];
type VolumeParams = { id: string; volumeId: string };
type BackupParams = VolumeParams & { backupId: string };

export async function volumesApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { volumes, backups } = ctx.volumes;
  const schema = (summary: string, extra: Record<string, unknown>) => ({
    tags,
    summary,
    security: bearerSecurity,
    ...extra,
  });
  const ok = (item: object) => ({ 200: item, ...errorResponses });

  app.get<{ Params: { id: string } }>(
    '/services/:id/volumes',
    {
      config: can('project.read', 'service'),
      schema: schema("A service's volumes with their size on disk", {
        params: serviceParams,
        response: ok({ type: 'array', items: volumeSchema }),
      }),
    },
    async (request) => volumes.list(request.params.id),
  );

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/services/:id/volumes',
    {
      config: can('project.deploy', 'service'),
      schema: schema('Add a volume (created and mounted at the next deploy)', {
        description: '400 BAD_REQUEST with `details` naming the field for a bad name or mount path.',
        params: serviceParams,
        body: createVolumeBody,
        response: { 201: volumeSchema, ...errorResponses },
      }),
    },
    async (request, reply) => reply.status(201).send(await volumes.create(request.params.id, request.body)),
  );

  app.patch<{ Params: VolumeParams; Body: Record<string, unknown> }>(
    '/services/:id/volumes/:volumeId',
    {
      config: can('project.deploy', 'service'),
      schema: schema('Change the mount path or the shared flag (from the next deploy on)', {
        params: volumeParams,
        body: updateVolumeBody,
        response: ok(volumeSchema),
      }),
    },
    async (request) => volumes.update(request.params.volumeId, request.params.id, request.body),
  );

  app.delete<{ Params: VolumeParams }>(
    '/services/:id/volumes/:volumeId',
    {
      config: can('project.deploy', 'service'),
      schema: schema('Delete a volume with its data and backups (409 while running containers mount it)', {
        params: volumeParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      await volumes.remove(request.params.volumeId, request.params.id);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: VolumeParams }>(
    '/services/:id/volumes/:volumeId/backups',
    {
      config: can('project.read', 'service'),
      schema: schema("A volume's backups, newest first", {
        params: volumeParams,
        response: ok({ type: 'array', items: volumeBackupSchema }),
      }),
    },
    async (request) => backups.list(await volumes.get(request.params.volumeId, request.params.id)),
  );

  app.post<{ Params: VolumeParams }>(
    '/services/:id/volumes/:volumeId/backups',
    {
      config: can('project.deploy', 'service'),
      schema: schema('Back up a volume: a tar archive, verified by restoring it into a scratch volume', {
        params: volumeParams,
        response: { 202: volumeBackupSchema, ...errorResponses },
      }),
    },
    async (request, reply) =>
      reply.status(202).send(await backups.create(await volumes.get(request.params.volumeId, request.params.id))),
  );

  app.get<{ Params: BackupParams }>(
    '/services/:id/volumes/:volumeId/backups/:backupId',
    {
      config: can('project.read', 'service'),
      schema: schema('One volume backup', { params: backupParams, response: ok(volumeBackupSchema) }),
    },
    async (request) =>
      backups.get(await volumes.get(request.params.volumeId, request.params.id), request.params.backupId),
  );

  app.post<{ Params: BackupParams }>(
    '/services/:id/volumes/:volumeId/backups/:backupId/restore',
    {
      config: can('project.deploy', 'service'),
      schema: schema("Restore a verified backup into the volume (the service's containers stop meanwhile)", {
        params: backupParams,
        response: ok(volumeBackupSchema),
      }),
    },
    async (request) =>
      backups.restore(await volumes.get(request.params.volumeId, request.params.id), request.params.backupId),
  );

  app.delete<{ Params: BackupParams }>(
    '/services/:id/volumes/:volumeId/backups/:backupId',
    {
      config: can('project.deploy', 'service'),
      schema: schema('Delete a volume backup and its archive', {
        params: backupParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      await backups.remove(await volumes.get(request.params.volumeId, request.params.id), request.params.backupId);
      return reply.status(204).send();
    },
  );
}
