/**
 * Everything a user needs to wire a service to git: its push remotes (HTTP and SSH), its webhook URL and
 * secret, its deploy-hook URL, and the recent deliveries. Shown in the panel and by the API.
 */
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { AppService, Project } from '../projects/service.types.js';
import { deployBranchOf } from '../git/deploy-branch.js';
import { listDeliveries, type Delivery } from './deliveries.js';
import { hookSecretsOf } from './service-hooks.js';

export interface GitEndpoints {
  deployBranch: string;
  httpRemote: string;
  sshRemote: string | null;
  webhookUrl: string;
  webhookSecret: string;
  deployHookUrl: string;
  deliveries: Delivery[];
}

export async function gitEndpointsOf(
  deps: { db: Db; secretBox: SecretBox; config: Config },
  project: Project,
  service: AppService,
): Promise<GitEndpoints> {
  const base = deps.config.publicUrl;
  const host = new URL(base).hostname;
  const secrets = await hookSecretsOf(deps, service.id);
  return {
    deployBranch: deployBranchOf(service),
    httpRemote: `${base}/git/${project.name}/${service.name}.git`,
    sshRemote:
      deps.config.sshPort === null
        ? null
        : `ssh://git@${host}:${deps.config.sshPort}/${project.name}/${service.name}.git`,
    webhookUrl: `${base}/hooks/services/${service.id}/git`,
    webhookSecret: secrets.webhookSecret,
    deployHookUrl: `${base}/hooks/services/${service.id}/deploy?token=${secrets.deployToken}`,
    deliveries: await listDeliveries(deps.db, service.id),
  };
}
