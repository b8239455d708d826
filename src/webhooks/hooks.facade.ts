/** A service's git endpoints (remotes, webhook and deploy-hook URLs) and their secrets, for the HTTP layer. */
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import { bindFirst } from '../lib/bind-first.js';
import type { SecretBox } from '../lib/secret-box.js';
import { gitEndpointsOf } from './git-endpoints.js';
import { rotateHookSecrets } from './service-hooks.js';

export function createHooksFacade(db: Db, secretBox: SecretBox, config: Config) {
  return {
    endpointsOf: bindFirst({ db, secretBox, config }, gitEndpointsOf),
    /** New secrets for both hooks; the old ones stop working at once. */
    rotateSecrets: bindFirst({ db, secretBox }, rotateHookSecrets),
  };
}

export type HooksFacade = ReturnType<typeof createHooksFacade>;
