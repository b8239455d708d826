/**
 * Per-service hook secrets: the webhook signing secret (given to GitHub, GitLab, Gitea/Forgejo, Bitbucket)
 * and the token of the generic deploy-hook URL for CI systems. Generated on first use, stored encrypted
 * (SecretBox) so the panel can show them again to the people who set up the hooks; rotatable.
 */
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../lib/secret-box.js';
import { randomToken } from '../lib/secrets.js';
import { findSealedHookSecrets, upsertSealedHookSecrets } from './service-hooks.repository.js';

export interface HookSecrets {
  webhookSecret: string;
  deployToken: string;
}

export async function hookSecretsOf(deps: { db: Db; secretBox: SecretBox }, serviceId: string): Promise<HookSecrets> {
  const row = await findSealedHookSecrets(deps.db, serviceId);
  if (row) {
    return {
      webhookSecret: deps.secretBox.decrypt(row.webhook_secret_encrypted),
      deployToken: deps.secretBox.decrypt(row.deploy_token_encrypted),
    };
  }
  return rotateHookSecrets(deps, serviceId);
}

/** New secrets for both hooks; the old ones stop working at once. */
export async function rotateHookSecrets(
  deps: { db: Db; secretBox: SecretBox },
  serviceId: string,
): Promise<HookSecrets> {
  const secrets = { webhookSecret: randomToken('whsec_', 24), deployToken: randomToken('dhk_', 32) };
  const values = {
    webhook_secret_encrypted: deps.secretBox.encrypt(secrets.webhookSecret),
    deploy_token_encrypted: deps.secretBox.encrypt(secrets.deployToken),
  };
  await upsertSealedHookSecrets(deps.db, serviceId, values);
  return secrets;
}
