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
  return createProjectConfigFacade(db, {
    projects: createProjectsFacade(db, secretBox, config),
    variables: createVariablesFacade(db, secretBox, databases),
    databases: databases.databases,
    backups: databases.backups,
    domains: domains?.domains,
    workers: new WorkersService(core.deploys.deps),
    lifecycle,
    checkSource: (raw) => validateServiceSource(raw, { allowPrivate: config.allowPrivateSources }),
  });
}
