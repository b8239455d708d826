/**
 * The Docker placement: the release is the service's replica containers on the project network, each
 * health-checked, then the watched switch (switch-watch.ts) and the active record (switch-traffic.ts). The
 * old containers are handed back for the drainer (old-release-drain.ts). This is the pipeline Berth always
 * ran, behind the ReleasePlacement seam.
 */
import { checkHealth, lastLogLines, removeContainers, startContainers } from './deploy-steps.js';
import type { ReleasePlacement } from './deploy-context.js';
import { activate } from './switch-traffic.js';
import { switchAndWatch } from './switch-watch.js';

export const dockerPlacement: ReleasePlacement = {
  scheduler: 'docker',
  async start(ctx, image, env, volumes) {
    return { ids: await startContainers(ctx, image, env, volumes) };
  },
  waitUntilReady(ctx, release) {
    return checkHealth(ctx, release.ids);
  },
  async switchOver(ctx, release, upstreams, { previous, onSwitched, timings }) {
    const { fallback } = await switchAndWatch(ctx, upstreams, release.ids, previous, onSwitched);
    return activate(ctx, upstreams, previous, timings(), fallback);
  },
  discard(ctx, release) {
    return removeContainers(ctx, release.ids);
  },
  async lastLogLines(ctx, release) {
    return release.ids[0] ? lastLogLines(ctx, release.ids[0]) : [];
  },
};
