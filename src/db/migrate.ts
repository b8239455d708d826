/** Runs the frozen, ordered migrations at start. The list is explicit so bundling cannot reorder or drop one. */
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import { AppError } from '../errors.js';
import type { Db } from './connection.js';
import * as foundation from './migrations/0001-foundation.js';
import * as projectsDeploys from './migrations/0002-projects-deploys.js';
import * as serviceCredentials from './migrations/0003-service-credentials.js';
import * as domainsCertificates from './migrations/0004-domains-certificates.js';
import * as gitPush from './migrations/0005-git-push.js';
import * as databasesBackups from './migrations/0006-databases-backups.js';
import * as deploymentIntent from './migrations/0008-deployment-intent.js';
import * as secretVariables from './migrations/0010-secret-variables.js';
import * as alertsNotifications from './migrations/0016-alerts-notifications.js';
import * as trafficKeptLogs from './migrations/0015-traffic-kept-logs.js';
import * as metrics from './migrations/0014-metrics.js';
import * as deploymentSettings from './migrations/0018-deployment-settings.js';
import * as twoFactorSessions from './migrations/0020-two-factor-sessions.js';
import * as auditEvents from './migrations/0021-audit-events.js';
import * as teamsAccess from './migrations/0019-teams-access.js';
import * as keptLogStream from './migrations/0022-kept-log-stream.js';
import * as passkeys from './migrations/0023-passkeys.js';
import * as projectConfigFiles from './migrations/0030-project-config-files.js';
import * as cronJobs from './migrations/0024-cron-jobs.js';
import * as workerProcesses from './migrations/0026-worker-processes.js';
import * as deploymentConfigFile from './migrations/0028-deployment-config-file.js';
import * as autoscaling from './migrations/0032-autoscaling.js';
import * as serviceVolumes from './migrations/0025-service-volumes.js';
import * as composeStacks from './migrations/0027-compose-stacks.js';
import * as stackDomains from './migrations/0031-stack-domains.js';
import * as stackEnvironments from './migrations/0037-stack-environments.js';
import * as environments from './migrations/0029-environments.js';
import * as previewSettings from './migrations/0034-preview-settings.js';
import * as serviceStartCommand from './migrations/0036-service-start-command.js';

const MIGRATIONS: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-projects-deploys': projectsDeploys,
  '0003-service-credentials': serviceCredentials,
  '0004-domains-certificates': domainsCertificates,
  '0005-git-push': gitPush,
  '0006-databases-backups': databasesBackups,
  '0008-deployment-intent': deploymentIntent,
  '0010-secret-variables': secretVariables,
  '0016-alerts-notifications': alertsNotifications,
  '0015-traffic-kept-logs': trafficKeptLogs,
  '0014-metrics': metrics,
  '0018-deployment-settings': deploymentSettings,
  '0020-two-factor-sessions': twoFactorSessions,
  '0021-audit-events': auditEvents,
  '0019-teams-access': teamsAccess,
  '0022-kept-log-stream': keptLogStream,
  '0023-passkeys': passkeys,
  '0030-project-config-files': projectConfigFiles,
  '0024-cron-jobs': cronJobs,
  '0026-worker-processes': workerProcesses,
  '0028-deployment-config-file': deploymentConfigFile,
  '0025-service-volumes': serviceVolumes,
  '0027-compose-stacks': composeStacks,
  '0032-autoscaling': autoscaling,
  '0031-stack-domains': stackDomains,
  '0037-stack-environments': stackEnvironments,
  '0029-environments': environments,
  '0034-preview-settings': previewSettings,
  '0036-service-start-command': serviceStartCommand,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new AppError('INTERNAL', `database migration ${failed} failed`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
