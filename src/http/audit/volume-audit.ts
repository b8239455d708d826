/**
 * How volume changes are audited: the object is the service (the route's `:id`), its state the service's
 * volumes by name (mount path, shared), so the diff says which volume was added, changed or deleted. Backups,
 * restores and backup deletes are recorded as their own actions on the same object.
 */
import type { AppContext } from '../context.js';
import type { AuditLookup, Found } from './audit-readers.js';

const readVolumesOf: AuditLookup<Found> = async (ctx: AppContext, serviceId: string) => {
  try {
    const service = await ctx.projects.getService(serviceId);
    const list = await ctx.volumes.volumes.listConfigured(serviceId);
    const volumes = Object.fromEntries(
      list.map((v) => [v.name, { id: v.id, mountPath: v.mountPath, shared: v.shared }]),
    );
    return { id: service.id, name: service.name, projectId: service.projectId, state: { volumes } };
  } catch {
    return undefined;
  }
};

/** An AuditRule (audit-actions.ts spreads these in; typed here by shape to keep imports one-way). */
interface VolumeAuditRule {
  action: string;
  objectType: string;
  read: AuditLookup<Found>;
}

const rule = (action: string): VolumeAuditRule => ({ action, objectType: 'service', read: readVolumesOf });

/** Panel forms and API routes of volumes → audit actions. */
export const VOLUME_AUDIT_RULES: Record<string, VolumeAuditRule> = {
  'POST /services/:id/volumes': rule('volume.create'),
  'POST /api/v1/services/:id/volumes': rule('volume.create'),
  'POST /services/:id/volumes/:volumeId': rule('volume.update'),
  'PATCH /api/v1/services/:id/volumes/:volumeId': rule('volume.update'),
  'POST /services/:id/volumes/:volumeId/delete': rule('volume.delete'),
  'DELETE /api/v1/services/:id/volumes/:volumeId': rule('volume.delete'),
  'POST /services/:id/volumes/:volumeId/backups': rule('volume.backup'),
  'POST /api/v1/services/:id/volumes/:volumeId/backups': rule('volume.backup'),
  'POST /services/:id/volumes/:volumeId/backups/:backupId/restore': rule('volume.restore'),
  'POST /api/v1/services/:id/volumes/:volumeId/backups/:backupId/restore': rule('volume.restore'),
  'POST /services/:id/volumes/:volumeId/backups/:backupId/delete': rule('volume.backup.delete'),
  'DELETE /api/v1/services/:id/volumes/:volumeId/backups/:backupId': rule('volume.backup.delete'),
};
