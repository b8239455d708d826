/**
 * The command palette's index (Ctrl/Cmd-K): every project, service, database and panel page the signed-in
 * user can jump to, as JSON for public/js/palette.js. Behind the session like every panel page. Each page is
 * offered only when its route's declared permission lets this caller open it (src/http/page-access.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { visibleProjectList } from '../../visibility.js';
import { pageAccess } from '../../page-access.js';

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
    const mayOpen = pageAccess(app, request.caller);
    const items: PaletteItem[] = PAGES.filter(([, url]) => mayOpen(url)).map(([label, url]) => ({
      kind: 'page',
      label,
      detail: 'page',
      url,
    }));
    for (const project of await visibleProjectList(ctx, request)) {
      const role = request.caller ? await ctx.auth.roleOn(request.caller, project.id) : undefined;
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
        for (const [section, path] of SERVICE_SECTIONS.filter(([, path]) => mayOpen(`${url}/${path}`, role))) {
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
