/** Wires environments to the features whose delete and create paths it reuses: lifecycle, databases, deploys. */
import type { DatabaseFeature } from '../databases/database-feature.js';
import { createEnvironmentsFeature, type EnvironmentsFeature } from '../environments/environments-feature.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { Core } from './core.js';

export function composeEnvironments(core: Core, databases: DatabaseFeature, lifecycle: Lifecycle): EnvironmentsFeature {
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
  });
}
