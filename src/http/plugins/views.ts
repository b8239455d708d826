/**
 * `reply.page(name)` renders views/pages/<name>.eta inside the layout, or, for
 * an htmx request that targets the main area, views/partials/<name>.eta alone: one handler, one URL, two shapes.
 */
import { fileURLToPath } from 'node:url';
import { createTemplateEngine } from '../../lib/templates.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { Flash, FlashKind } from '../types.js';

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

/** Is this an htmx request for the page's body (not a boosted full navigation)? */
function isPartialRequest(request: FastifyRequest): boolean {
  return request.headers['hx-request'] === 'true' && request.headers['hx-boosted'] !== 'true';
}

export function registerViews(app: FastifyInstance, ctx: AppContext): void {
  const eta = createTemplateEngine(VIEWS_DIR);

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
        csrfToken: csrfTokenFor(this),
        flash: takeFlash(request),
        version: ctx.version,
        dockerAvailable: ctx.engine.isAvailable(),
        path: request.url.split('?')[0],
      };
      const template = isPartialRequest(request) ? `partials/${name}` : `pages/${name}`;
      const html = await eta.renderAsync(template, model);
      // Partials vary by HX-Request, so caches must keep the two shapes apart.
      await this.status(status).header('vary', 'HX-Request').type('text/html; charset=utf-8').send(html);
    },
  );
}
