/**
 * What export, plan and apply use of the other features, handed over by the composition root: the same
 * facades the create and update routes call, so a project file is checked by the same rules (no second
 * validator) and its writes go through the same code.
 */
import type { DatabaseSystem } from '../databases/database-system.js';
import type { BackupManager } from '../databases/backup-manager.js';
import type { DomainsService } from '../domains/domains.service.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { ProjectsFacade, VariablesFacade } from '../projects/projects.facade.js';
import type { WorkersService } from '../workers/workers.service.js';

export interface ProjectConfigPorts {
  projects: Pick<ProjectsFacade, 'get' | 'listServices' | 'createService' | 'updateServiceSettings'>;
  variables: Pick<VariablesFacade, 'listKeys' | 'read' | 'set' | 'remove'>;
  databases: Pick<DatabaseSystem, 'list' | 'create' | 'updateSettings' | 'remove'>;
  backups: Pick<BackupManager, 'setSchedule'>;
  /** Absent when the server runs without custom domains (some tests). */
  domains?: Pick<DomainsService, 'listByService' | 'add' | 'remove'>;
  workers: Pick<WorkersService, 'list' | 'setReplicas'>;
  lifecycle: Pick<Lifecycle, 'deleteService'>;
  /** The create route's source check (allow-list and private-address policy); throws VALIDATION_FAILED. */
  checkSource(raw: unknown): Promise<unknown>;
}
