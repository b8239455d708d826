/**
 * What export, plan and apply use of the other features, handed over by the composition root: the same
 * facades the create and update routes call, so a project file is checked by the same rules (no second
 * validator) and its writes go through the same code.
 */
import type { DatabaseSystem } from '../databases/database-system.js';
import type { BackupManager } from '../databases/backup-manager.js';
import type { Executor } from '../db/executor.js';
import type { DomainsService } from '../domains/domains.service.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { ProjectsFacade, VariablesFacade } from '../projects/projects.facade.js';
import type { WorkersService } from '../workers/workers.service.js';

export interface ProjectConfigPorts {
  projects: Pick<ProjectsFacade, 'get' | 'listServices' | 'createService' | 'updateServiceSettings'>;
  variables: Pick<VariablesFacade, 'listKeys' | 'read' | 'set' | 'remove'>;
  databases: Pick<DatabaseSystem, 'list' | 'create' | 'updateSettings' | 'remove' | 'provisionCreated'>;
  backups: Pick<BackupManager, 'setSchedule'>;
  /** Absent when the server runs without custom domains (some tests). */
  domains?: Pick<DomainsService, 'listByService' | 'add' | 'remove' | 'publish'>;
  workers: Pick<WorkersService, 'list' | 'setReplicas'>;
  lifecycle: Pick<Lifecycle, 'deleteService'>;
  /** The ids of the project's preview environments (made by pushes; a project file leaves them alone). */
  previewEnvironmentIds(projectId: string): Promise<Set<string>>;
  /** The create route's source check (allow-list and private-address policy); throws VALIDATION_FAILED. */
  checkSource(raw: unknown): Promise<unknown>;
  /**
   * Runs `work` in ONE database transaction, with every database write of an apply bound to it: when
   * `work` throws, nothing it wrote stays. Nothing in it may touch containers, routes or certificates.
   */
  transaction<T>(work: (tx: TransactionPorts, executor: Executor) => Promise<T>): Promise<T>;
}

/** The database-only halves of the writes an apply makes, on the open transaction. */
export interface TransactionPorts {
  projects: Pick<ProjectsFacade, 'createService' | 'updateServiceSettings'>;
  variables: Pick<VariablesFacade, 'set' | 'remove'>;
  /** The database's row (checked as by create); its container starts after commit (`provisionCreated`). */
  insertDatabase(projectId: string, input: Parameters<DatabaseSystem['create']>[1]): Promise<string>;
  /** The backup schedule's row (checked as by the API); it is registered after commit (`setSchedule`). */
  storeSchedule(databaseId: string, input: { schedule?: unknown; keep?: unknown }): Promise<void>;
  /** Worker replicas (checked against the live release); the containers scale after commit. */
  storeReplicas(serviceId: string, processType: string, replicas: unknown): Promise<void>;
  /** A new environment's row (its network comes with its first deploy); returns its id. */
  insertEnvironment(projectId: string, name: string): Promise<string>;
  /** Domain rows; routes and certificates follow after commit (`publish`). Absent without custom domains. */
  domains?: {
    insert(serviceId: string, hostname: string): Promise<string>;
    remove(domainId: string): Promise<string[]>;
  };
}
