/** Wires project as code (src/project-config/) to the facades the create and update routes use. */
import type { Config } from '../config.js';
import type { DatabaseFeature } from '../databases/database-feature.js';
import type { Db } from '../db/connection.js';
import type { DomainsFeature } from '../domains/domains-feature.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { ProjectsFacade, VariablesFacade } from '../projects/projects.facade.js';
import { createProjectConfigFacade, type ProjectConfigFacade } from '../project-config/project-config.facade.js';
import { validateServiceSource } from '../source/source-validation.js';
import type { WorkersService } from '../workers/workers.service.js';

export function composeProjectConfig(parts: {
  db: Db;
  config: Pick<Config, 'allowPrivateSources'>;
  projects: ProjectsFacade;
  variables: VariablesFacade;
  databases: DatabaseFeature;
  domains: DomainsFeature | undefined;
  workers: WorkersService;
  lifecycle: Lifecycle;
}): ProjectConfigFacade {
  const { db, config, projects, variables, databases, domains, workers, lifecycle } = parts;
  return createProjectConfigFacade(db, {
    projects,
    variables,
    databases: databases.databases,
    backups: databases.backups,
    domains: domains?.domains,
    workers,
    lifecycle,
    checkSource: (raw) => validateServiceSource(raw, { allowPrivate: config.allowPrivateSources }),
  });
}
