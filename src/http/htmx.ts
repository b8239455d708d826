/**
 * The htmx request checks in one place. One URL answers a full page or a partial (views.ts decides with
 * isPartial); after a form post, redirects go through HX-Redirect for htmx (a full navigation) and 303
 * otherwise.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Sent by htmx (any hx-* request, boosted navigations included). */
export function isHtmx(request: FastifyRequest): boolean {
  return request.headers['hx-request'] === 'true';
}

/** An htmx request for a fragment (not a boosted full navigation): answered with the partial alone. */
export function isPartial(request: FastifyRequest): boolean {
  return isHtmx(request) && request.headers['hx-boosted'] !== 'true';
}

/** Go to `url`: HX-Redirect (htmx then navigates fully, no fragment swap) or a 303 for plain forms. */
export async function hxRedirect(request: FastifyRequest, reply: FastifyReply, url: string): Promise<FastifyReply> {
  if (isHtmx(request)) return reply.header('hx-redirect', url).status(204).send();
  return reply.redirect(url, 303);
}

/** Keep the address bar as it is (a form answered with its errors is not a new page). */
export function keepUrl(reply: FastifyReply): void {
  reply.header('hx-push-url', 'false');
}

/**
 * A request for a whole page or tab: a browser navigation, a boosted one, or an htmx swap of the main area
 * (the service tab bar targets #main). A URL that also answers its own section (a tab's card loading
 * itself, its range switch) tells the two apart with this.
 */
export function isPageRequest(request: FastifyRequest): boolean {
  return !isPartial(request) || request.headers['hx-target'] === 'main';
}
