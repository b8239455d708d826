/**
 * A seeded team for access tests: the owner, a second server admin, and a project "alpha" with a project
 * admin, a developer and a viewer, an outsider with a grant on another project "beta" only; one app
 * service, deployment, domain, database row, backup row and compose stack in alpha (rows only: nothing runs).
 */
import { createApiToken } from '../../src/auth/api-tokens.service.js';
import { createAdmin } from '../../src/auth/users.service.js';
import { insertUser } from '../../src/auth/users.repository.js';
import { upsertGrant } from '../../src/auth/members.repository.js';
import { hashPassword } from '../../src/auth/passwords.js';
import type { ProjectRole } from '../../src/auth/auth.types.js';
import { insertDeployment } from '../../src/deploys/deployments.repository.js';
import { insertDatabase } from '../../src/databases/databases.repository.js';
import { insertBackup } from '../../src/databases/backups.repository.js';
import { insertDomains } from '../../src/domains/domains.repository.js';
import { newId, nowIso } from '../../src/lib/ids.js';
import type { TestApp } from './http-app.js';
import { InjectClient } from './inject-client.js';

export const PASSWORD = 'a-long-test-password';
export const PEOPLE = ['owner', 'admin', 'projectAdmin', 'developer', 'viewer', 'outsider'] as const;
export type Person = (typeof PEOPLE)[number];

export interface Team {
  users: Record<Person, { id: string; email: string }>;
  alpha: string;
  beta: string;
  ids: {
    project: string;
    service: string;
    deployment: string;
    domain: string;
    database: string;
    backup: string;
    stack: string;
  };
  betaService: string;
}

export async function addMember(t: TestApp, email: string, role: 'admin' | 'member' = 'member') {
  return insertUser(t.db, {
    id: newId('usr'),
    email,
    password_hash: await hashPassword(PASSWORD),
    role,
    created_at: nowIso(),
  });
}

export async function seedTeam(t: TestApp): Promise<Team> {
  const owner = await createAdmin(t.db, { email: 'owner@example.com', password: PASSWORD });
  const admin = await addMember(t, 'admin@example.com', 'admin');
  const people = {
    projectAdmin: await addMember(t, 'padmin@example.com'),
    developer: await addMember(t, 'dev@example.com'),
    viewer: await addMember(t, 'viewer@example.com'),
    outsider: await addMember(t, 'outsider@example.com'),
  };
  const alpha = (await t.ctx.projects.create('alpha')).id;
  const beta = (await t.ctx.projects.create('beta')).id;
  const grant = (projectId: string, userId: string, role: ProjectRole) =>
    upsertGrant(t.db, { projectId, userId, role }, nowIso());
  await grant(alpha, people.projectAdmin.id, 'admin');
  await grant(alpha, people.developer.id, 'developer');
  await grant(alpha, people.viewer.id, 'viewer');
  await grant(beta, people.outsider.id, 'admin');

  const image = { type: 'image', image: 'nginx:1' } as const;
  const service = (await t.ctx.projects.createService(alpha, { name: 'web', source: image })).id;
  const betaService = (await t.ctx.projects.createService(beta, { name: 'worker', source: image })).id;
  const deployment = (
    await insertDeployment(t.db, {
      id: newId('dep'),
      service_id: service,
      trigger: 'manual',
      triggered_by: null,
      image: null,
      rollback_of: null,
    })
  ).id;
  const domain = newId('dom');
  await insertDomains(t.db, [
    { id: domain, serviceId: service, hostname: 'app.alpha.example.com', port: null, redirectTo: null, hsts: false },
  ]);
  const env = await t.db
    .selectFrom('environments')
    .select('id')
    .where('project_id', '=', alpha)
    .executeTakeFirstOrThrow();
  const database = newId('svc');
  await insertDatabase(t.db, {
    id: database,
    projectId: alpha,
    environmentId: env.id,
    name: 'db',
    engine: 'postgres',
    image: 'postgres:16',
    credentialsEncrypted: 'not-read-here',
    volumeName: `berth-test-${database}`,
    memoryMb: null,
    cpus: null,
    now: nowIso(),
  });
  const backup = newId('bak');
  await insertBackup(t.db, { id: backup, databaseId: database, trigger: 'manual', startedAt: nowIso() });
  const stack = await t.ctx.stacks.createChecked(alpha, {
    name: 'stack',
    // A pasted file whose one service builds: a deploy fails at once, before it makes any Docker object.
    source: { type: 'paste', compose: 'services:\n  web:\n    build: .\n' },
    routedService: 'web',
    routedPort: 80,
    variables: {},
  });
  return {
    users: { owner, admin, ...people },
    alpha,
    beta,
    ids: { project: alpha, service, deployment, domain, database, backup, stack: stack.id },
    betaService,
  };
}

export async function signIn(t: TestApp, email: string): Promise<InjectClient> {
  const client = new InjectClient(t.app, `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`);
  const csrf = await client.csrfFrom('/login');
  const res = await client.postForm('/login', { _csrf: csrf, email, password: PASSWORD });
  if (res.statusCode !== 303) throw new Error(`login of ${email} failed: ${res.statusCode} ${res.body}`);
  return client;
}

export async function token(
  t: TestApp,
  userId: string,
  scope: { projectId?: string; role?: ProjectRole; readOnly?: boolean } = {},
): Promise<string> {
  return (await createApiToken(t.db, userId, newId('t'), scope)).token;
}
