/** SQL for managed databases: a service row (kind 'database') joined with its `databases` row. */
import type { Selectable } from 'kysely';
import { inTransaction, type Executor } from '../db/executor.js';
import type { DatabasesTable, ServicesTable } from '../db/schema.js';
import type { DatabaseStatus, ManagedDatabase } from './database.types.js';

type Row = Selectable<DatabasesTable> & Pick<Selectable<ServicesTable>, 'project_id' | 'environment_id' | 'name'>;

function toDatabase(row: Row): ManagedDatabase {
  return {
    id: row.service_id,
    projectId: row.project_id,
    environmentId: row.environment_id,
    name: row.name,
    engine: row.engine,
    image: row.image,
    status: row.status,
    containerId: row.container_id,
    volumeName: row.volume_name,
    memoryMb: row.memory_mb,
    cpus: row.cpus,
    publicAccess:
      row.public_host !== null && row.public_port !== null ? { host: row.public_host, port: row.public_port } : null,
    backupSchedule: row.backup_schedule,
    backupKeep: row.backup_keep,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function selectDatabases(db: Executor) {
  return db
    .selectFrom('databases')
    .innerJoin('services', 'services.id', 'databases.service_id')
    .selectAll('databases')
    .select(['services.project_id', 'services.environment_id', 'services.name']);
}

export interface NewDatabase {
  id: string;
  projectId: string;
  environmentId: string;
  name: string;
  engine: ManagedDatabase['engine'];
  image: string;
  credentialsEncrypted: string;
  volumeName: string;
  memoryMb: number | null;
  cpus: number | null;
  now: string;
}

export async function insertDatabase(db: Executor, d: NewDatabase): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx
      .insertInto('services')
      .values({
        id: d.id,
        project_id: d.projectId,
        environment_id: d.environmentId,
        name: d.name,
        kind: 'database',
        source: JSON.stringify({ type: 'database', engine: d.engine }),
        created_at: d.now,
        updated_at: d.now,
      })
      .execute();
    await trx
      .insertInto('databases')
      .values({
        service_id: d.id,
        engine: d.engine,
        image: d.image,
        credentials_encrypted: d.credentialsEncrypted,
        status: 'creating',
        volume_name: d.volumeName,
        memory_mb: d.memoryMb,
        cpus: d.cpus,
        created_at: d.now,
        updated_at: d.now,
      })
      .execute();
  });
}

export async function findDatabaseById(db: Executor, id: string): Promise<ManagedDatabase | undefined> {
  const row = await selectDatabases(db).where('databases.service_id', '=', id).executeTakeFirst();
  return row && toDatabase(row);
}

export async function findDatabaseByName(
  db: Executor,
  environmentId: string,
  name: string,
): Promise<ManagedDatabase | undefined> {
  const row = await selectDatabases(db)
    .where('services.environment_id', '=', environmentId)
    .where('services.name', '=', name)
    .executeTakeFirst();
  return row && toDatabase(row);
}

export async function listDatabasesOfProject(db: Executor, projectId: string): Promise<ManagedDatabase[]> {
  const rows = await selectDatabases(db)
    .where('services.project_id', '=', projectId)
    .orderBy('services.created_at')
    .execute();
  return rows.map(toDatabase);
}

export async function listAllDatabases(db: Executor): Promise<ManagedDatabase[]> {
  return (await selectDatabases(db).execute()).map(toDatabase);
}

export async function readSealedCredentials(db: Executor, id: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('databases')
    .select('credentials_encrypted')
    .where('service_id', '=', id)
    .executeTakeFirst();
  return row?.credentials_encrypted;
}

export interface DatabaseChange {
  status?: DatabaseStatus;
  containerId?: string | null;
  lastError?: string | null;
  memoryMb?: number | null;
  cpus?: number | null;
  publicAccess?: { host: string; port: number } | null;
  backupSchedule?: string | null;
  backupKeep?: number;
  updatedAt: string;
}

export async function updateDatabase(db: Executor, id: string, change: DatabaseChange): Promise<void> {
  await db
    .updateTable('databases')
    .set({
      ...(change.status !== undefined && { status: change.status }),
      ...(change.containerId !== undefined && { container_id: change.containerId }),
      ...(change.lastError !== undefined && { last_error: change.lastError }),
      ...(change.memoryMb !== undefined && { memory_mb: change.memoryMb }),
      ...(change.cpus !== undefined && { cpus: change.cpus }),
      ...(change.publicAccess !== undefined && {
        public_host: change.publicAccess?.host ?? null,
        public_port: change.publicAccess?.port ?? null,
      }),
      ...(change.backupSchedule !== undefined && { backup_schedule: change.backupSchedule }),
      ...(change.backupKeep !== undefined && { backup_keep: change.backupKeep }),
      updated_at: change.updatedAt,
    })
    .where('service_id', '=', id)
    .execute();
}

/** Every database is to be created again (a panel restore: none of the containers exist); returns how many. */
export async function markAllDatabasesForRecreate(db: Executor, message: string, updatedAt: string): Promise<number> {
  const result = await db
    .updateTable('databases')
    .set({ status: 'creating', container_id: null, last_error: message, updated_at: updatedAt })
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Deletes the service row; the databases row and its backups go with it (foreign key cascade). */
export async function deleteDatabaseRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('services').where('id', '=', id).where('kind', '=', 'database').execute();
}
