/**
 * Wires project as code (src/project-config/) to the facades the create and update routes use (stateless
 * wrappers over the database, made here again so the panel's wiring only gains one line).
 */
import type { Config } from '../config.js';
import type { DatabaseFeature } from '../databases/database-feature.js';
import type { Db } from '../db/connection.js';
import type { DomainsFeature } from '../domains/domains-feature.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { SecretBox } from '../lib/secret-box.js';
import { createProjectsFacade, createVariablesFacade } from '../projects/projects.facade.js';
import { createProjectConfigFacade, type ProjectConfigFacade } from '../project-config/project-config.facade.js';
import { insertEnvironment } from '../environments/environments.repository.js';
import { newId, nowIso } from '../lib/ids.js';
import { previewEnvironmentIds } from '../project-config/project-config.repository.js';
import { validateServiceSource } from '../source/source-validation.js';
import { WorkersService } from '../workers/workers.service.js';
import type { Core } from './core.js';

export function composeProjectConfig(parts: {
  db: Db;
  config: Pick<Config, 'allowPrivateSources'>;
  secretBox: SecretBox;
  databases: DatabaseFeature;
  domains: DomainsFeature | undefined;
  core: Core;
  lifecycle: Lifecycle;
}): ProjectConfigFacade {
  const { db, config, secretBox, databases, domains, core, lifecycle } = parts;
  const workers = new WorkersService(core.deploys.deps);
  return createProjectConfigFacade(db, {
    projects: createProjectsFacade(db, secretBox, config),
    variables: createVariablesFacade(db, secretBox, databases),
    databases: databases.databases,
    backups: databases.backups,
    domains: domains?.domains,
    workers,
    lifecycle,
    checkSource: (raw) => validateServiceSource(raw, { allowPrivate: config.allowPrivateSources }),
    previewEnvironmentIds: (projectId) => previewEnvironmentIds(db, projectId),
    // Every facade below is made again on the transaction: a query on `db` while it is open would wait forever.
    transaction: (work) =>
      db.transaction().execute((trx) => {
        const domainRows = domains?.domains;
        return work(
          {
            projects: createProjectsFacade(trx, secretBox, config),
            variables: createVariablesFacade(trx, secretBox, databases),
            insertDatabase: (projectId, input) => databases.databases.insertRow(trx, projectId, input),
            storeSchedule: (id, input) => databases.backups.storeSchedule(trx, id, input),
            storeReplicas: (id, type, replicas) => workers.storeReplicas(trx, id, type, replicas),
            insertEnvironment: async (projectId, name) => {
              const id = newId('env');
              await insertEnvironment(trx, { id, projectId, name, createdAt: nowIso() });
              return id;
            },
            ...(domainRows && {
              domains: {
                insert: (id, hostname) => domainRows.insertRows(trx, id, hostname),
                remove: (domainId) => domainRows.deleteRows(trx, domainId),
              },
            }),
          },
          trx,
        );
      }),
  });
}
