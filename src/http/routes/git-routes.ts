/** Registers the git push feature's routes: the smart-HTTP remote (and, below, keys, webhooks, deploy hooks). */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { gitHttpRoutes } from './git-http.routes.js';

export async function registerGitRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const git = ctx.git;
  if (git) await app.register(async (scope) => gitHttpRoutes(scope, ctx, git));
}
