/** SQL for project grants, and for finding which project an object (service, deployment, …) belongs to. */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { ProjectRole } from '../db/schema.js';
import type { ProjectSource } from './access-policy.js';

export interface Grant {
  projectId: string;
  userId: string;
  role: ProjectRole;
}

export async function findGrant(db: Executor, projectId: string, userId: string): Promise<ProjectRole | undefined> {
  const row = await db
    .selectFrom('project_members')
    .select('role')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role;
}

export async function listGrantsOfUser(db: Executor, userId: string): Promise<Grant[]> {
  const rows = await db.selectFrom('project_members').selectAll().where('user_id', '=', userId).execute();
  return rows.map((row) => ({ projectId: row.project_id, userId: row.user_id, role: row.role }));
}

export async function listAllGrants(db: Executor): Promise<Grant[]> {
  const rows = await db.selectFrom('project_members').selectAll().orderBy('created_at').execute();
  return rows.map((row) => ({ projectId: row.project_id, userId: row.user_id, role: row.role }));
}

export async function upsertGrant(db: Executor, grant: Grant, at: string): Promise<void> {
  await db
    .insertInto('project_members')
    .values({ project_id: grant.projectId, user_id: grant.userId, role: grant.role, created_at: at })
    .onConflict((oc) => oc.columns(['project_id', 'user_id']).doUpdateSet({ role: grant.role }))
    .execute();
}

export async function deleteGrant(db: Executor, projectId: string, userId: string): Promise<void> {
  await db.deleteFrom('project_members').where('project_id', '=', projectId).where('user_id', '=', userId).execute();
}

export async function projectExists(db: Executor, projectId: string): Promise<boolean> {
  return (await db.selectFrom('projects').select('id').where('id', '=', projectId).executeTakeFirst()) !== undefined;
}

/** The project an object of this kind belongs to, or undefined when there is no such object. */
export async function projectIdOf(
  db: Executor,
  kind: Exclude<ProjectSource, 'git'>,
  id: string,
): Promise<string | undefined> {
  switch (kind) {
    case 'project':
      return (await projectExists(db, id)) ? id : undefined;
    case 'service':
    case 'database':
      return (await db.selectFrom('services').select('project_id').where('id', '=', id).executeTakeFirst())?.project_id;
    case 'deployment':
      return (
        await db
          .selectFrom('deployments')
          .innerJoin('services', 'services.id', 'deployments.service_id')
          .select('services.project_id')
          .where('deployments.id', '=', id)
          .executeTakeFirst()
      )?.project_id;
    case 'domain':
      return (
        await db
          .selectFrom('domains')
          .innerJoin('services', 'services.id', 'domains.service_id')
          .select('services.project_id')
          .where('domains.id', '=', id)
          .executeTakeFirst()
      )?.project_id;
    case 'backup':
      return (
        await db
          .selectFrom('backups')
          .innerJoin('services', 'services.id', 'backups.database_id')
          .select('services.project_id')
          .where('backups.id', '=', id)
          .executeTakeFirst()
      )?.project_id;
    case 'stack':
      return (await db.selectFrom('stacks').select('project_id').where('id', '=', id).executeTakeFirst())?.project_id;
  }
}

/** The project of a git remote path `<project name>/<service name>`. */
export async function projectIdByName(db: Executor, name: string): Promise<string | undefined> {
  return (await db.selectFrom('projects').select('id').where('name', '=', name).executeTakeFirst())?.id;
}

/** Ends every panel session of a user (the session's JSON holds its userId). */
export async function deleteSessionsOfUser(db: Executor, userId: string): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where(sql<string>`json_extract(data, '$.userId')`, '=', userId)
    .execute();
}
