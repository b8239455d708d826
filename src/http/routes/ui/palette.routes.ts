/**
 * The command palette's index (Ctrl/Cmd-K): every project, service, database and panel page the signed-in
 * user can jump to, as JSON for public/js/palette.js. Behind the session like every panel page.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { visibleProjectList } from '../../visibility.js';
import { isServerAdmin } from '../../../auth/access-policy.js';

export interface PaletteItem {
  kind: 'page' | 'project' | 'service' | 'database';
  label: string;
  /** Where it lives ("shop", "shop / web"): shown next to the label and searched too. */
  detail: string;
  url: string;
}

const PAGES: Array<[label: string, url: string]> = [
  ['Dashboard', '/'],
  ['Server', '/server'],
  ['Server HTTPS', '/server/https'],
  ['Server metrics', '/server/metrics'],
  ['API tokens', '/tokens'],
  ['SSH keys', '/ssh-keys'],
  ['Notifications', '/notifications'],
  ['System and upgrades', '/system'],
  ['Account, two-factor and sessions', '/account'],
  ['API docs', '/api/docs'],
];

/** Pages only server owners and admins may open (their routes answer 403 to anyone else). */
const ADMIN_PAGES: Array<[label: string, url: string]> = [
  ['Members and invitations', '/members'],
  ['Audit log', '/audit'],
  ['Sign-in settings', '/server/sign-in'],
];

const SERVICE_SECTIONS: Array<[label: string, path: string]> = [
  ['logs', 'logs'],
  ['domains', 'domains'],
  ['git push and webhooks', 'git'],
  ['metrics', 'metrics'],
];

export async function paletteRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/palette.json', { config: can('signed-in'), schema: { hide: true } }, async (request, reply) => {
    const pages = request.user && isServerAdmin(request.user) ? [...PAGES, ...ADMIN_PAGES] : PAGES;
    const items: PaletteItem[] = pages.map(([label, url]) => ({ kind: 'page', label, detail: 'page', url }));
    for (const project of await visibleProjectList(ctx, request)) {
      items.push({ kind: 'project', label: project.name, detail: 'project', url: `/projects/${project.id}` });
      items.push({
        kind: 'page',
        label: `${project.name} usage`,
        detail: 'project page',
        url: `/projects/${project.id}/usage`,
      });
      for (const service of await ctx.projects.listServices(project.id)) {
        const url = `/services/${service.id}`;
        items.push({ kind: 'service', label: service.name, detail: `${project.name} / service`, url });
        for (const [section, path] of SERVICE_SECTIONS) {
          items.push({
            kind: 'page',
            label: `${service.name} ${section}`,
            detail: `${project.name} / ${service.name}`,
            url: `${url}/${path}`,
          });
        }
      }
      for (const database of await ctx.databases.databases.list(project.id)) {
        items.push({
          kind: 'database',
          label: database.name,
          detail: `${project.name} / ${database.engine} database`,
          url: `/databases/${database.id}`,
        });
      }
    }
    // Private to the session: never kept by a shared cache.
    await reply.header('cache-control', 'private, no-store').send({ items });
  });
}
