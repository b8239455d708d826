/** Panel pages of managed databases (filled in below). */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';

export async function databasesUiRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
