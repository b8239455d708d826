/**
 * The smart-HTTP git remote: `/git/<project>/<service>.git/...`, for clone, fetch and push. Authentication
 * is HTTP Basic with any user name and a Berth API token as the password; fetch needs read on the project,
 * push deploy (its routes declare project.read from the git path; push is checked here, in onRequest). The request body is never parsed
 * by fastify: authentication and the content type are checked in onRequest, before anything reads the body;
 * the git content types get a parser that leaves the stream alone, and the reply is hijacked so `git
 * http-backend` reads the body and writes the answer as they flow (see src/git/http-backend.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { gitPermission, type GitRemote } from '../../git/git-remote.js';
import { runHttpBackend } from '../../git/http-backend.js';
import type { User } from '../../auth/auth.types.js';
import type { AppContext } from '../context.js';
import { can } from '../route-access.js';

const GIT_PATH =
  /^\/git\/([a-z][a-z0-9-]{0,62})\/([a-z][a-z0-9-]{0,62})\.git\/(info\/refs|git-upload-pack|git-receive-pack)(?:\?(.*))?$/;
const SERVICE_QUERY = /^service=(git-upload-pack|git-receive-pack)$/;
const GIT_BODY_TYPES = ['application/x-git-upload-pack-request', 'application/x-git-receive-pack-request'];

interface GitRequest {
  project: string;
  service: string;
  pathTail: string;
  query: string;
  command: 'upload-pack' | 'receive-pack';
}

/** The allow-listed shape of a git request, or undefined (answered 404): no `..`, no encoding, no dumb protocol. */
export function parseGitRequest(method: string, url: string): GitRequest | undefined {
  const match = GIT_PATH.exec(url);
  if (!match) return undefined;
  const [, project, service, pathTail, query = ''] = match as unknown as [string, string, string, string, string?];
  if (pathTail === 'info/refs') {
    const wanted = SERVICE_QUERY.exec(query);
    if (method !== 'GET' || !wanted) return undefined;
    return {
      project,
      service,
      pathTail,
      query,
      command: wanted[1] === 'git-receive-pack' ? 'receive-pack' : 'upload-pack',
    };
  }
  if (method !== 'POST' || query !== '') return undefined;
  return {
    project,
    service,
    pathTail,
    query,
    command: pathTail === 'git-receive-pack' ? 'receive-pack' : 'upload-pack',
  };
}

async function basicAuthUser(ctx: AppContext, request: FastifyRequest) {
  const match = /^Basic ([A-Za-z0-9+/=]{1,1000})$/.exec(request.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const password = decoded.slice(decoded.indexOf(':') + 1);
  return ctx.auth.authenticateToken(password);
}

/** Who may make this call, decided from the URL and headers alone: the body is not read until it is known. */
interface GitCall {
  parsed: GitRequest;
  user: User;
}

function contentTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** How long a refused upload's remaining body is read (and dropped) after the answer, before its connection goes. */
const LINGER_MS = 2000;

/**
 * A refused upload's connection is closed, but not at once: closing a socket while the client is still
 * sending makes the kernel answer with a reset, which can destroy the refusal before the client has read it
 * (nginx's "lingering close"). So what still arrives is read and dropped, never buffered, for LINGER_MS.
 */
function lingerThenClose(request: FastifyRequest): void {
  const { raw } = request;
  raw.resume();
  const timer = setTimeout(() => {
    if (!raw.complete) raw.socket.destroy();
  }, LINGER_MS);
  timer.unref();
  raw.once('end', () => clearTimeout(timer));
}

export async function gitHttpRoutes(app: FastifyInstance, ctx: AppContext, git: GitRemote): Promise<void> {
  const calls = new WeakMap<FastifyRequest, GitCall>();
  // Leave the body stream untouched: http-backend reads it (possibly gzip, possibly chunked and large).
  app.addContentTypeParser(GIT_BODY_TYPES, (_request, _payload, done) => done(null, undefined));

  // onRequest runs before fastify reads any body: an unauthenticated or non-git upload is answered (and its
  // connection closed) without a byte of it being buffered.
  app.addHook('onRequest', async (request, reply) => {
    const refuse = (error: AppError): AppError => {
      if (request.method === 'POST') lingerThenClose(request);
      return error;
    };
    const parsed = parseGitRequest(request.method, request.raw.url ?? '');
    if (!parsed)
      throw refuse(
        new AppError('NOT_FOUND', 'Not a git repository path. Remotes look like /git/<project>/<service>.git'),
      );
    const caller = await basicAuthUser(ctx, request);
    if (!caller) {
      reply.header('www-authenticate', 'Basic realm="Berth git", charset="UTF-8"');
      throw refuse(new AppError('UNAUTHENTICATED', 'Use a Berth API token as the password (any user name).'));
    }
    // The permission table: fetch needs read, push deploy (a read-only token never pushes); a project
    // the token cannot see is answered like one that does not exist.
    const { decision } = await ctx.auth.authorize(caller, {
      permission: gitPermission(parsed.command),
      source: 'git',
      id: parsed.project,
      method: parsed.command === 'receive-pack' ? 'POST' : 'GET',
    });
    if (decision === 'not-found')
      throw refuse(new AppError('NOT_FOUND', `No app service ${parsed.project}/${parsed.service}.`));
    if (decision === 'forbidden') {
      throw refuse(
        new AppError(
          'FORBIDDEN',
          `Your role (or this token) does not allow git ${parsed.command === 'receive-pack' ? 'push' : 'fetch'} here.`,
        ),
      );
    }
    const user = caller.user;
    if (request.method === 'POST' && !GIT_BODY_TYPES.includes(contentTypeOf(request))) {
      throw refuse(
        new AppError('UNSUPPORTED_MEDIA_TYPE', `Only git requests are accepted here (${GIT_BODY_TYPES.join(', ')}).`),
      );
    }
    calls.set(request, { parsed, user });
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const call = calls.get(request);
    if (!call) throw new AppError('UNAUTHENTICATED', 'Use a Berth API token as the password (any user name).');
    const { parsed, user } = call;
    const repo = await git.openRepository(parsed.project, parsed.service);
    if (!repo) throw new AppError('NOT_FOUND', `No app service ${parsed.project}/${parsed.service}.`);
    const { env, close } = git.gitEnvFor(repo, parsed.command, user, { via: 'http', address: request.ip });
    reply.hijack();
    try {
      await runHttpBackend(request.raw, reply.raw, {
        projectRoot: git.repos.root,
        pathInfo: `${repo.relativePath}/${parsed.pathTail}`,
        queryString: parsed.query,
        remoteUser: user.email,
        env,
      });
    } finally {
      close();
    }
  };
  app.get('/git/*', { config: can('project.read', 'git'), schema: { hide: true } }, handler);
  // No body limit: a push can be large, and it is streamed to http-backend, never buffered.
  app.post(
    '/git/*',
    { config: can('project.read', 'git'), schema: { hide: true }, bodyLimit: Number.MAX_SAFE_INTEGER },
    handler,
  );
}
