/**
 * The panel's live stream: one Server-Sent Events connection per page (public/js/live.js opens it). A page
 * names what it shows (`?project=`, `?service=`, `?deployment=`, `?database=` or `?stack=`); the stream passes on
 * only the events about those things, as `event: <type>` with a small JSON body (ids and statuses, never a
 * secret). The page then fetches the changed fragments through the normal, session-checked routes.
 * Behind the panel session; at most MAX_STREAMS_PER_SESSION streams per session; a comment line every
 * heartbeat keeps proxies from closing an idle stream; app.close() ends every stream.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../../errors.js';
import { topicsOf, type BerthEvent } from '../../../events/event-bus.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { watchAccess } from '../../open-connections.js';
import { requireReadable } from '../../visibility.js';

export const MAX_STREAMS_PER_SESSION = 4;
export const DEFAULT_HEARTBEAT_MS = 15_000;

const ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const liveQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { project: ID, service: ID, deployment: ID, database: ID, stack: ID },
} as const;
type LiveQuery = { project?: string; service?: string; deployment?: string; database?: string; stack?: string };
type Followed = 'project' | 'service' | 'deployment' | 'database' | 'stack';

/** The topics of what the page shows (see topicsOf in src/events/event-bus.ts). */
async function topicsFor(ctx: AppContext, request: FastifyRequest, query: LiveQuery): Promise<Set<string>> {
  if (!query.project && !query.service && !query.deployment && !query.database && !query.stack) {
    throw new AppError(
      'BAD_REQUEST',
      'Name what the page shows: ?project=, ?service=, ?deployment=, ?database= or ?stack=.',
    );
  }
  // Only what the caller may read: another project's ids answer 404 like anything unknown.
  if (query.project) await requireReadable(ctx, request, 'project', query.project);
  if (query.service) await requireReadable(ctx, request, 'service', query.service);
  if (query.deployment) await requireReadable(ctx, request, 'deployment', query.deployment);
  if (query.database) await requireReadable(ctx, request, 'database', query.database);
  if (query.stack) await requireReadable(ctx, request, 'stack', query.stack);
  // An empty project has no topics yet: its stream stays open and quiet (heartbeats only).
  const topics = new Set<string>();
  if (query.project) {
    const project = await ctx.projects.get(query.project);
    for (const service of await ctx.projects.listServices(project.id)) topics.add(`service:${service.id}`);
    for (const database of await ctx.databases.databases.list(project.id)) topics.add(`database:${database.id}`);
    // Each stack's tile follows its own topic; `stacks:` also hears a stack created after the page opened.
    for (const stack of await ctx.stacks.list(project.id)) topics.add(`stack:${stack.id}`);
    topics.add(`stacks:${project.id}`);
  }
  if (query.service) {
    const { service } = await ctx.deploys.requireService(query.service);
    topics.add(`service:${service.id}`);
    for (const domain of ctx.https ? await ctx.https.domains.list(service.id) : []) {
      topics.add(`certificate:${domain.hostname}`);
    }
  }
  if (query.deployment) {
    const deployment = await ctx.deploys.get(query.deployment);
    topics.add(`deployment:${deployment.id}`);
    topics.add(`service:${deployment.serviceId}`);
  }
  if (query.database) {
    const database = await ctx.databases.databases.get(query.database);
    topics.add(`database:${database.id}`);
    topics.add(`backups:${database.id}`);
  }
  if (query.stack) topics.add(`stack:${(await ctx.stacks.get(query.stack)).id}`);
  return topics;
}

/** What the stream shows, each to be checked again when the caller's access changes. */
function objectsOf(query: LiveQuery): Array<{ source: Followed; id: string }> {
  const objects: Array<{ source: Followed; id: string }> = [];
  if (query.project) objects.push({ source: 'project', id: query.project });
  if (query.service) objects.push({ source: 'service', id: query.service });
  if (query.deployment) objects.push({ source: 'deployment', id: query.deployment });
  if (query.database) objects.push({ source: 'database', id: query.database });
  if (query.stack) objects.push({ source: 'stack', id: query.stack });
  return objects;
}

/**
 * A certificate event about a hostname the stream did not know when it opened: a domain added to the
 * page's service since then (its list shows the new name) gets its topic now, so its status still arrives.
 */
async function isNewDomainOf(ctx: AppContext, serviceId: string | undefined, event: BerthEvent): Promise<boolean> {
  if (event.type !== 'certificate' || !serviceId || !ctx.https) return false;
  const domains = await ctx.https.domains.list(serviceId);
  return domains.some((d) => d.hostname === event.hostname);
}

/** One SSE frame. JSON.stringify never emits a raw newline, so the data stays on one line. */
export function sseFrame(event: BerthEvent, topics: string[]): string {
  return `event: ${event.type}\ndata: ${JSON.stringify({ ...event, topics })}\n\n`;
}

export async function liveUiRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  options: { heartbeatMs?: number } = {},
): Promise<void> {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const perSession = new Map<string, number>();
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const end of [...open]) end();
    done();
  });

  const sessionKey = (request: FastifyRequest) => request.session.sessionId;

  app.get<{ Querystring: LiveQuery }>(
    '/live',
    { config: can('signed-in'), schema: { hide: true, querystring: liveQuery } },
    async (request, reply) => {
      const bus = ctx.events;
      // Without a bus (some tests) nothing would ever arrive: 204 tells EventSource not to reconnect.
      if (!bus) return reply.status(204).send();
      const topics = await topicsFor(ctx, request, request.query);
      const key = sessionKey(request);
      const count = perSession.get(key) ?? 0;
      if (count >= MAX_STREAMS_PER_SESSION) {
        throw new AppError('RATE_LIMITED', `At most ${MAX_STREAMS_PER_SESSION} live pages per session; close one.`);
      }
      perSession.set(key, count + 1);

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 3000\n: live\n\n');
      const unsubscribe = bus.subscribe((event) => {
        const matched = topicsOf(event).filter((topic) => topics.has(topic));
        if (matched.length > 0) {
          raw.write(sseFrame(event, matched));
          return;
        }
        void isNewDomainOf(ctx, request.query.service, event)
          .then((isNew) => {
            if (!isNew || raw.writableEnded) return;
            for (const topic of topicsOf(event)) topics.add(topic);
            raw.write(sseFrame(event, topicsOf(event)));
          })
          .catch((error: unknown) => request.log.debug({ err: error }, 'live: a domain lookup failed'));
      });
      const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
      let isEnded = false;
      let unwatch = () => {};
      const end = () => {
        if (isEnded) return;
        isEnded = true;
        unwatch();
        unsubscribe();
        clearInterval(heartbeat);
        open.delete(end);
        const left = (perSession.get(key) ?? 1) - 1;
        if (left > 0) perSession.set(key, left);
        else perSession.delete(key);
        if (!raw.writableEnded) raw.end();
      };
      open.add(end);
      // Ended at once when the member is removed or may no longer read what the page shows.
      unwatch = watchAccess(ctx, request, end, objectsOf(request.query));
      request.raw.on('close', end);
      raw.on('close', end);
      raw.on('error', end);
    },
  );
}
