/** Wires compose stacks to the engine, the proxy's router (with custom domains), git fetches and the data dir. */
import { dataPaths } from '../data-dir.js';
import { StacksService } from '../stacks/stacks.service.js';
import { BUILT_IN_CATALOG } from '../templates/template-catalog.js';
import { TemplatesService } from '../templates/templates.service.js';
import type { Core } from './core.js';

/** How long a depends_on condition or the routed service may take to be ready. */
const READY_TIMEOUT_MS = 120_000;

export function composeStacks(core: Core): StacksService {
  const { config, db, runtime, secretBox, logger } = core.foundation;
  const deploys = core.deploys.deps;
  return new StacksService({
    db,
    scheduler: config.scheduler,
    runtime,
    secretBox,
    router: deploys.router,
    fetcher: deploys.fetcher,
    logger: logger.child({ component: 'stacks' }),
    appsDomain: config.appsDomain,
    httpPort: config.httpPort,
    allowPrivateSources: config.allowPrivateSources,
    buildsDir: dataPaths(config.dataDir).builds,
    allowedHostPaths: [],
    events: core.events,
    ...(core.domains ? { domains: core.domains.stackDomains } : {}),
    timing: {
      timeoutMs: READY_TIMEOUT_MS,
      drainTimeoutMs: deploys.timing.drainTimeoutMs,
      stopTimeoutSeconds: deploys.timing.stopTimeoutSeconds,
    },
  });
}

/** The template catalog (BERTH_TEMPLATES_DIR, else the built-in one); installs become stacks. */
export function composeTemplates(
  config: { templatesDir: string | undefined },
  stacks: StacksService,
): TemplatesService {
  return new TemplatesService(config.templatesDir ?? BUILT_IN_CATALOG, stacks);
}
