/**
 * How preview changes are audited: the object is the project, its state the preview settings and the
 * previews by name (branch, expiry), so the diff says which setting changed or which preview was deleted.
 */
import type { AppContext } from '../context.js';
import type { AuditLookup, Found } from './audit-readers.js';

const readPreviewsOf: AuditLookup<Found> = async (ctx: AppContext, projectId: string) => {
  try {
    const project = await ctx.projects.get(projectId);
    const settings = await ctx.previews.settings(projectId);
    const previews = Object.fromEntries(
      (await ctx.previews.list(projectId)).map((p) => [p.name, { branch: p.branch, expiresAt: p.expiresAt }]),
    );
    return { id: project.id, name: project.name, projectId: project.id, state: { settings, previews } };
  } catch {
    return undefined;
  }
};

const rule = (action: string) => ({ action, objectType: 'project', read: readPreviewsOf });

/** Panel forms and API routes of previews → audit actions. */
export const PREVIEW_AUDIT_RULES = {
  'PATCH /api/v1/projects/:id/preview-settings': rule('preview-settings.update'),
  'DELETE /api/v1/projects/:id/previews/:env': rule('preview.delete'),
  'POST /projects/:id/preview-settings': rule('preview-settings.update'),
  'POST /projects/:id/previews/:env/delete': rule('preview.delete'),
};
