/**
 * The runtime log view of a service in the panel: the page (with how its containers stopped, when they
 * did), the WebSocket that follows the active deployment's containers (one JSON frame per line: time,
 * stream, text), and the download of the current containers' output as a text file.
 */
import type { FastifyInstance } from 'fastify';
import type {} from '@fastify/websocket';
import { runtimeLogState } from '../../../deploys/container-stop.js';
import { MAX_TAIL, dropWhenBacklogged, followServiceLogs, type LogLineMeta } from '../../../deploys/runtime-logs.js';
import { AppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { requireSameOrigin } from '../../plugins/auth-guards.js';
import { serviceIdParams } from '../api/deployment-schemas.js';
import { watchAccess } from '../../open-connections.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
type WithId = { Params: { id: string } };

/** Lines the page keeps in the browser (older ones are dropped as new ones arrive). */
export const MAX_LINES_IN_PAGE = 2000;

/** One WebSocket frame: a line with its time and stream, or a note from Berth (`kind`). */
export interface LogFrame {
  line: string;
  at?: string;
  stream?: 'stdout' | 'stderr';
  /** marker: Berth's own line (a redeploy, skipped lines); stopped: how the containers ended. */
  kind?: 'marker' | 'stopped' | 'error';
}

export function toFrame(line: string, meta?: LogLineMeta): string {
  const frame: LogFrame = meta ? { line, at: meta.at, stream: meta.stream } : { line, kind: 'marker' };
  return JSON.stringify(frame);
}

export async function serviceLogsUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const findService = (id: string) => ctx.deploys.requireService(id);

  const logState = (serviceId: string) => runtimeLogState(ctx.deploys.deps, serviceId);

  app.get<WithId>(
    '/services/:id/logs',
    { config: can('project.read', 'service'), schema: { ...hidden, params: serviceIdParams } },
    async (request, reply) => {
      const { service, project } = await findService(request.params.id);
      const { active, stopped } = await logState(service.id);
      await reply.page('service-logs', {
        title: `Logs of ${service.name} · ${project.name}`,
        service,
        project,
        active,
        stopped,
        maxLines: MAX_LINES_IN_PAGE,
        maxTail: MAX_TAIL,
      });
    },
  );

  app.get<WithId>(
    '/services/:id/logs/current',
    { config: can('project.read', 'service'), schema: { ...hidden, params: serviceIdParams } },
    async (request, reply) => {
      const { service } = await findService(request.params.id);
      const { active } = await logState(service.id);
      if (!active) return reply.code(404).type('text/plain').send('This service has no active deployment.');
      const aborted = new AbortController();
      request.raw.on('close', () => aborted.abort());
      reply.raw.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'content-disposition': `attachment; filename="${service.name}-${active.id}-current.log"`,
        'cache-control': 'no-store',
      });
      // A snapshot (not followed): the last MAX_TAIL lines of each container, `<time> <stream> <line>`.
      const write = dropWhenBacklogged(
        (line, meta) => reply.raw.write(meta ? `${meta.at ?? '-'} ${meta.stream ?? '-'} ${line}\n` : `${line}\n`),
        () => reply.raw.writableLength,
      );
      try {
        await followServiceLogs(
          ctx.deploys.deps,
          service.id,
          { tail: MAX_TAIL, follow: false, timestamps: true, signal: aborted.signal },
          write,
        );
        for (const s of (await logState(service.id)).stopped)
          reply.raw.write(`--- replica ${s.replica}: ${s.description}\n`);
      } catch (error) {
        request.log.warn({ err: error, serviceId: service.id }, 'runtime log download ended with an error');
        reply.raw.write(`--- the log stopped: ${error instanceof AppError ? error.message : 'internal error'}\n`);
      }
      reply.raw.end();
      return reply;
    },
  );

  app.get<WithId>(
    '/services/:id/logs/ws',
    {
      config: can('project.read', 'service'),
      websocket: true,
      preHandler: requireSameOrigin,
      schema: { ...hidden, params: serviceIdParams },
    },
    async (socket, request) => {
      // JSON frames; the page inserts their text with textContent, so nothing is ever parsed as HTML.
      const aborted = new AbortController();
      // Closed at once when the member is removed or their role no longer lets them read this service.
      const unwatch = watchAccess(ctx, request, () => socket.close(1008, 'Your access changed.'));
      socket.on('close', () => {
        unwatch();
        aborted.abort();
      });
      socket.on('error', () => aborted.abort());
      const sendFrame = (frame: string) => {
        if (socket.readyState === socket.OPEN) socket.send(frame);
      };
      try {
        const send = dropWhenBacklogged(
          (line, meta) => sendFrame(toFrame(line, meta)),
          () => socket.bufferedAmount,
        );
        const { deploymentId } = await followServiceLogs(
          ctx.deploys.deps,
          request.params.id,
          { follow: true, timestamps: true, signal: aborted.signal },
          send,
        );
        if (!deploymentId)
          sendFrame(JSON.stringify({ line: 'This service has no active deployment.', kind: 'stopped' }));
        else if (!aborted.signal.aborted) {
          // The follow ended: nothing newer took over, so say how the containers stopped.
          const { stopped } = await logState(request.params.id);
          for (const s of stopped) {
            const line = stopped.length > 1 ? `replica ${s.replica}: ${s.description}` : s.description;
            sendFrame(JSON.stringify({ line, kind: 'stopped' } satisfies LogFrame));
          }
        }
      } catch (error) {
        request.log.warn({ err: error, serviceId: request.params.id }, 'runtime log follow ended with an error');
        const reason = error instanceof AppError ? error.message : 'internal error';
        sendFrame(JSON.stringify({ line: `The log stopped: ${reason}`, kind: 'error' } satisfies LogFrame));
      } finally {
        if (socket.readyState === socket.OPEN) socket.close(1000, 'end of log');
      }
    },
  );
}
