/** Shortcuts for tests that need a signed-in admin or an API token. */
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../../src/auth/api-tokens.service.js';
import { createAdmin } from '../../src/auth/users.service.js';
import type { Db } from '../../src/db/connection.js';
import { InjectClient } from './inject-client.js';

export const ADMIN = { email: 'admin@example.com', password: 'a-long-test-password' };

export async function seedAdmin(db: Db) {
  return createAdmin(db, ADMIN);
}

export async function signedInClient(app: FastifyInstance, ip = '127.0.0.1'): Promise<InjectClient> {
  const client = new InjectClient(app, ip);
  const csrf = await client.csrfFrom('/login');
  const res = await client.postForm('/login', { _csrf: csrf, ...ADMIN });
  if (res.statusCode !== 303) throw new Error(`login failed: ${res.statusCode}`);
  return client;
}

export async function tokenFor(db: Db, userId: string, name = 'test'): Promise<string> {
  return (await createApiToken(db, userId, name)).token;
}
