/** Registers the git push feature's routes: the smart-HTTP remote, SSH keys, service git info, webhooks and deploy hooks. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { sshKeysApiRoutes } from './api/ssh-keys.routes.js';
import { gitHttpRoutes } from './git-http.routes.js';
import { serviceGitApiRoutes } from './api/service-git.routes.js';
import { serviceGitUiRoutes } from './ui/service-git.routes.js';
import { hooksRoutes } from './hooks.routes.js';
import { sshKeysUiRoutes } from './ui/ssh-keys.routes.js';

export async function registerGitRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const git = ctx.git;
  if (git) await app.register(async (scope) => gitHttpRoutes(scope, ctx, git));
  await app.register(async (scope) => sshKeysUiRoutes(scope, ctx));
  await app.register(async (scope) => serviceGitUiRoutes(scope, ctx));
  await app.register(async (scope) => serviceGitApiRoutes(scope, ctx), { prefix: '/api/v1' });
  await app.register(async (scope) => hooksRoutes(scope, ctx, ctx.webhooks));
  await app.register(async (scope) => sshKeysApiRoutes(scope, ctx), { prefix: '/api/v1' });
}
