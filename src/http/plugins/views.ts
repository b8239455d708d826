/**
 * `reply.page(name)` renders views/partials/<name>.eta: alone for an htmx request that targets the main
 * area, wrapped in views/layout.eta for a full request: one handler, one URL, two shapes. A page whose full
 * shape has more than the partial (views/pages/<name>.eta, which sets the layout itself) is used instead.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTemplateEngine } from '../../lib/templates.js';
import { timeHelpers } from '../../lib/time-words.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { Flash, FlashKind } from '../types.js';
import { isPartial } from '../htmx.js';
import { mayDo, type Permission } from '../../auth/access-policy.js';

const VIEWS_DIR = fileURLToPath(new URL('../../../views/', import.meta.url));

function takeFlash(request: FastifyRequest): Flash[] {
  const session = request.session as FastifyRequest['session'] | undefined;
  const messages = session?.get('flash') ?? [];
  if (messages.length > 0) session?.set('flash', []);
  return messages;
}

function csrfTokenFor(reply: FastifyReply): string {
  // Only sessions can hold the CSRF secret; error pages rendered before the session exists have no forms.
  return reply.request.session ? reply.generateCsrf() : '';
}

export function registerViews(app: FastifyInstance, ctx: AppContext): void {
  const eta = createTemplateEngine(VIEWS_DIR);
  const ownPages = new Map<string, boolean>();
  const hasOwnPage = (name: string) => {
    let found = ownPages.get(name);
    if (found === undefined) ownPages.set(name, (found = existsSync(join(VIEWS_DIR, 'pages', `${name}.eta`))));
    return found;
  };
  const render = async (name: string, model: Record<string, unknown>, isFull: boolean) => {
    if (!isFull) return eta.renderAsync(`partials/${name}`, model);
    if (hasOwnPage(name)) return eta.renderAsync(`pages/${name}`, model);
    return eta.renderAsync('layout', { ...model, body: await eta.renderAsync(`partials/${name}`, model) });
  };

  app.decorateReply('flash', function flash(this: FastifyReply, kind: FlashKind, message: string) {
    const session = this.request.session;
    session.set('flash', [...(session.get('flash') ?? []), { kind, message }]);
  });

  app.decorateReply(
    'page',
    async function page(this: FastifyReply, name: string, data: Record<string, unknown> = {}, status = 200) {
      const request = this.request;
      const model = {
        ...data,
        page: name,
        user: request.user,
        // `it.can('project.deploy')`: whether to render a control, by the route guard's own table, for the
        // caller's role on the project this page is about (request.access, set by the permission hook).
        can: (permission: Permission) => mayDo(request.caller, permission, request.access?.role),
        csrfToken: csrfTokenFor(this),
        flash: takeFlash(request),
        version: ctx.version,
        dockerAvailable: ctx.engine.isAvailable(),
        path: request.url.split('?')[0],
        // Times in words ("2 minutes ago") relative to this render, with the exact time in <time>.
        time: timeHelpers(Date.now()),
      };
      const html = await render(name, model, !isPartial(request));
      // Partials vary by HX-Request, so caches must keep the two shapes apart.
      await this.status(status).header('vary', 'HX-Request').type('text/html; charset=utf-8').send(html);
    },
  );
}
