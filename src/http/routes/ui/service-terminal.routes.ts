/**
 * The web terminal of a service in the panel: the Terminal tab (xterm.js in public/js/terminal.js) and its
 * WebSocket, which runs a shell (or a chosen command, as argv) with a TTY in one running container of the
 * service's active deployment. Developers and admins of the project only (`project.terminal`), from the
 * panel's own pages only (the Origin must be this host). Every session is in the audit log: opened, with
 * the command and container, and closed, with its length and exit code; a refusal runs nothing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type {} from '@fastify/websocket';
import { AppError } from '../../../errors.js';
import { parseTerminalCommand, MAX_COMMAND_LENGTH } from '../../../terminal/terminal-command.js';
import { TerminalSession } from '../../../terminal/terminal-session.js';
import { findTerminalTarget, startTerminal, type TerminalTarget } from '../../../terminal/terminal-target.js';
import type { AuditInput } from '../../../audit/audit.types.js';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../plugins/audit-hook.js';
import { serviceIdParams } from '../api/deployment-schemas.js';
import { watchAccess } from '../../open-connections.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
type WithId = { Params: { id: string } };
interface TerminalQuery {
  /** Whole numbers as digits (clamped to MAX_COLS × MAX_ROWS by the session). */
  cols?: string;
  rows?: string;
  command?: string;
  replica?: string;
}

const terminalQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cols: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' },
    rows: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' },
    command: { type: 'string', maxLength: MAX_COMMAND_LENGTH },
    replica: { type: 'string', pattern: '^[0-9]{1,3}$' },
  },
} as const;

/**
 * A browser always sends Origin with a WebSocket: the terminal's must be this panel's own page. (The log
 * sockets allow a missing Origin for other clients; a shell does not.)
 */
async function requirePanelOrigin(request: FastifyRequest): Promise<void> {
  let host: string | undefined;
  try {
    host = new URL(String(request.headers.origin)).host;
  } catch {
    host = undefined;
  }
  if (!host || host !== request.headers.host)
    throw new AppError('FORBIDDEN', 'The terminal opens only from the panel itself.');
}

interface Prepared {
  service: { id: string; name: string; projectId: string };
  argv: string[];
  target: TerminalTarget;
}

/** Everything checked before anything runs: the command's words and the container (else 400/403/409). */
async function prepare(ctx: AppContext, serviceId: string, query: TerminalQuery): Promise<Prepared> {
  const { service } = await ctx.deploys.requireService(serviceId);
  const argv = parseTerminalCommand(query.command);
  const target = await findTerminalTarget(ctx.deploys.deps, service, query.replica);
  return { service, argv, target };
}

export async function serviceTerminalUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const prepared = new WeakMap<FastifyRequest, Prepared>();

  app.get<WithId>(
    '/services/:id/terminal',
    { config: can('project.terminal', 'service'), schema: { ...hidden, params: serviceIdParams } },
    async (request, reply) => {
      const { service, project } = await ctx.deploys.requireService(request.params.id);
      await reply.page('service-terminal', {
        title: `Terminal of ${service.name} · ${project.name}`,
        service,
        project,
        idleMinutes: Math.round(ctx.config.terminal.idleTimeoutMs / 60_000),
        maxHours: Math.round((ctx.config.terminal.maxSessionMs / 3_600_000) * 10) / 10,
      });
    },
  );

  // The page asks first, so it can say in words why a terminal cannot open (a refused WebSocket cannot).
  app.get<WithId & { Querystring: TerminalQuery }>(
    '/services/:id/terminal/check',
    {
      config: can('project.terminal', 'service'),
      schema: { ...hidden, params: serviceIdParams, querystring: terminalQuery },
    },
    async (request, reply) => {
      const { argv, target } = await prepare(ctx, request.params.id, request.query);
      return reply.send({ command: argv.join(' '), replica: target.replica });
    },
  );

  app.get<WithId & { Querystring: TerminalQuery }>(
    '/services/:id/terminal/ws',
    {
      config: can('project.terminal', 'service'),
      websocket: true,
      preHandler: [
        requirePanelOrigin,
        async (request: FastifyRequest<WithId & { Querystring: TerminalQuery }>) => {
          prepared.set(request, await prepare(ctx, request.params.id, request.query));
        },
      ],
      schema: { ...hidden, params: serviceIdParams, querystring: terminalQuery },
    },
    async (socket, request) => {
      const session = new TerminalSession(socket, ctx.config.terminal, {
        cols: Number(request.query.cols ?? 80),
        rows: Number(request.query.rows ?? 24),
      });
      // Closed at once when the member is removed or their role no longer allows a terminal here.
      const unwatch = watchAccess(ctx, request, () => socket.close(1008, 'Your access changed.'));
      socket.on('close', unwatch);
      const { service, argv, target } = prepared.get(request)!;
      const actor = (await actorOf(ctx, request)) ?? { kind: 'anonymous' as const };
      const record = (input: Pick<AuditInput, 'action' | 'outcome' | 'detail'>) =>
        ctx.audit.record({
          actor,
          address: request.ip,
          userAgent: request.headers['user-agent'],
          object: { type: 'service', id: service.id, name: service.name },
          projectId: service.projectId,
          ...input,
        });
      const command = argv.join(' ');
      const where = `replica ${target.replica} (${target.containerName})`;
      if (session.isClosed()) return;
      let exec: Awaited<ReturnType<typeof startTerminal>>;
      try {
        exec = await startTerminal(ctx.deploys.deps, target, argv, session.initialSize);
      } catch (error) {
        const message = error instanceof AppError ? error.message : 'The terminal could not start.';
        request.log.warn({ err: error, serviceId: service.id }, 'terminal could not start');
        session.fail(message);
        await record({
          action: 'service.terminal.open',
          outcome: 'failure',
          detail: `${command} in ${where}: ${message}`,
        });
        return;
      }
      await record({ action: 'service.terminal.open', outcome: 'success', detail: `${command} in ${where}` });
      const end = await session.run(exec, { command, replica: target.replica, deployment: target.deploymentId });
      const seconds = Math.round(end.durationMs / 1000);
      const how = end.stillRunning ? 'still running after the hang-up' : `exit code ${end.exitCode ?? 'unknown'}`;
      await record({
        action: 'service.terminal.close',
        outcome: 'success',
        detail: `${command} in ${where}: ${end.reason} after ${seconds} s, ${how}`,
      });
    },
  );
}
