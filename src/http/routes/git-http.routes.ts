/**
 * The smart-HTTP git remote: `/git/<project>/<service>.git/...`, for clone, fetch and push. Authentication
 * is HTTP Basic with any user name and a Berth API token as the password. The request body is never parsed
 * by fastify: the git content types get a parser that leaves the stream alone, and the reply is hijacked so
 * `git http-backend` reads the body and writes the answer as they flow (see src/git/http-backend.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateToken } from '../../auth/api-tokens.service.js';
import { AppError } from '../../errors.js';
import { mayUseGit, type GitRemote } from '../../git/git-remote.js';
import { runHttpBackend } from '../../git/http-backend.js';
import type { AppContext } from '../context.js';

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
  return (await authenticateToken(ctx.db, password))?.user;
}

function unauthenticated(reply: FastifyReply): never {
  reply.header('www-authenticate', 'Basic realm="Berth git", charset="UTF-8"');
  throw new AppError('UNAUTHENTICATED', 'Use a Berth API token as the password (any user name).');
}

export async function gitHttpRoutes(app: FastifyInstance, ctx: AppContext, git: GitRemote): Promise<void> {
  // Leave the body stream untouched: http-backend reads it (possibly gzip, possibly chunked and large).
  app.addContentTypeParser(GIT_BODY_TYPES, (_request, _payload, done) => done(null, undefined));

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = parseGitRequest(request.method, request.raw.url ?? '');
    if (!parsed)
      throw new AppError('NOT_FOUND', 'Not a git repository path. Remotes look like /git/<project>/<service>.git');
    const user = await basicAuthUser(ctx, request);
    if (!user) unauthenticated(reply);
    if (!mayUseGit(user)) throw new AppError('FORBIDDEN', 'Your account may not deploy this service.');
    const repo = await git.openRepository(parsed.project, parsed.service);
    if (!repo) throw new AppError('NOT_FOUND', `No app service ${parsed.project}/${parsed.service}.`);
    const { env, close } = git.gitEnvFor(repo, parsed.command, user);
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
  app.get('/git/*', { schema: { hide: true } }, handler);
  app.post('/git/*', { schema: { hide: true }, bodyLimit: Number.MAX_SAFE_INTEGER }, handler);
}
