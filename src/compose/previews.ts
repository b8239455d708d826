/** Wires previews to the environments (duplicate, delete) and the deploys they reuse. */
import { findActiveDeployment } from '../deploys/deployments.repository.js';
import type { EnvironmentsFeature } from '../environments/environments-feature.js';
import { createPreviewsFeature, type PreviewsFeature } from '../previews/previews-feature.js';
import type { StacksService } from '../stacks/stacks.service.js';
import type { Core } from './core.js';

export function composePreviews(
  core: Core,
  environments: EnvironmentsFeature,
  stacks?: Pick<StacksService, 'deploy'>,
): PreviewsFeature {
  const { db, logger, config } = core.foundation;
  return createPreviewsFeature(
    {
      db,
      logger: logger.child({ component: 'previews' }),
      urls: { appsDomain: config.appsDomain, httpPort: config.httpPort },
      hourMs: config.previewHourMs,
      environments: {
        duplicate: (projectId, source, input, by) => environments.duplicate(projectId, source, input, by),
        remove: (projectId, nameOrId, input) => environments.remove(projectId, nameOrId, input),
      },
      deploy: (serviceId, trigger, by, sha) => core.deploys.deployCommit(serviceId, trigger, by, sha),
      startStack: stacks && (async (stackId) => void (await stacks.deploy(stackId))),
      runningCommit: async (serviceId) => (await findActiveDeployment(db, serviceId))?.commit?.sha ?? undefined,
    },
    config.previewSweepIntervalMs,
  );
}
