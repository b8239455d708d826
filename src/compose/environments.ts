/**
 * Wires environments to the features whose delete and create paths it reuses: lifecycle, databases, deploys,
 * and for a duplicate's copies the cron jobs, volumes and compose stacks.
 */
import type { CronService } from '../cron/cron.service.js';
import type { DatabaseFeature } from '../databases/database-feature.js';
import type { StacksService } from '../stacks/stacks.service.js';
import { copyStack } from '../stacks/stack-copy.js';
import type { VolumesFeature } from '../volumes/volumes-feature.js';
import { createEnvironmentsFeature, type EnvironmentsFeature } from '../environments/environments-feature.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { Core } from './core.js';

export interface EnvironmentCopyParts {
  cron: CronService;
  volumes: VolumesFeature;
  stacks: StacksService;
}

export function composeEnvironments(
  core: Core,
  databases: DatabaseFeature,
  lifecycle: Lifecycle,
  parts?: EnvironmentCopyParts,
): EnvironmentsFeature {
  const { db, runtime, secretBox, logger } = core.foundation;
  return createEnvironmentsFeature({
    db,
    secretBox,
    logger: logger.child({ component: 'environments' }),
    databases: {
      list: (projectId) => databases.databases.list(projectId),
      create: (projectId, input) => databases.databases.create(projectId, input),
      status: async (id) => databases.databases.get(id),
      async latestVerifiedBackup(databaseId) {
        const backups = await databases.backups.list(databaseId);
        return backups
          .filter((b) => b.status === 'verified')
          .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))[0];
      },
      async restore(backupId, target) {
        await databases.backups.restore(backupId, { confirm: target.name, targetDatabaseId: target.id });
      },
      async remove(id, name) {
        await databases.databases.remove(id, { confirm: name, deleteVolume: true });
        await databases.backups.forget(id);
      },
      isBusy: (id) => databases.databases.isBusy(id),
    },
    deleteService: async (serviceId, name) => {
      await lifecycle.deleteService(serviceId, { confirm: name });
    },
    engineAvailable: () => {
      const state = runtime.state();
      return state.available ? { available: true } : { available: false, reason: state.reason };
    },
    removeNetwork: (name) => runtime.removeNetwork(name),
    deploy: (serviceId, triggeredBy) => core.deploys.deploy(serviceId, 'api', triggeredBy),
    extras: parts && {
      async copyCronJobs(from, to, pause) {
        const jobs = await parts.cron.list(from);
        for (const job of jobs) {
          await parts.cron.create(to, {
            name: job.name,
            schedule: job.schedule,
            timezone: job.timezone,
            command: 'shell' in job.command ? job.command.shell : job.command.argv,
            overlap: job.overlap,
            timeoutSeconds: job.timeoutSeconds,
            retries: job.retries,
            enabled: job.enabled && !pause,
          });
        }
        return jobs.length;
      },
      async copyVolumes(from, to) {
        const volumes = await parts.volumes.volumes.listConfigured(from);
        for (const v of volumes) {
          await parts.volumes.volumes.create(to, { name: v.name, mountPath: v.mountPath, shared: v.shared });
        }
        return volumes.length;
      },
    },
    stacks: parts && {
      list: async (projectId) =>
        (await parts.stacks.list(projectId)).map(({ id, name, environmentId }) => ({ id, name, environmentId })),
      copy: (stackId, target) => copyStack(db, stackId, target),
      deploy: async (stackId) => {
        await parts.stacks.deploy(stackId);
      },
      remove: (stackId, name) => parts.stacks.remove(stackId, { confirm: name, deleteVolumes: true }),
    },
  });
}
