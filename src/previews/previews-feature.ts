/** The previews feature as the composition root, the git remote, the webhooks and the HTTP layer see it. */
import type { PreviewsDeps } from './preview-ports.js';
import { PreviewSweeper } from './preview-sweeper.js';
import { PreviewsService } from './previews.service.js';

export type { PreparedPreview, PreviewView } from './previews.service.js';
export type { PreviewSettings } from './preview-settings.js';

export function createPreviewsFeature(deps: PreviewsDeps, sweepIntervalMs: number) {
  const service = new PreviewsService(deps);
  const sweeper = new PreviewSweeper(service, sweepIntervalMs, deps.logger);
  return {
    settings: (projectId: string) => service.settings(projectId),
    updateSettings: (projectId: string, input: unknown) => service.updateSettings(projectId, input),
    list: (projectId: string) => service.list(projectId),
    remove: (projectId: string, name: string) => service.remove(projectId, name),
    prepare: (input: Parameters<PreviewsService['prepare']>[0]) => service.prepare(input),
    removeBranch: (projectId: string, branch: string) => service.removeBranch(projectId, branch),
    appOf: (projectId: string, branch: string, serviceName: string) => service.appOf(projectId, branch, serviceName),
    sweep: () => sweeper.sweep(),
    startSweeper: () => sweeper.start(),
    stopSweeper: () => sweeper.stop(),
  };
}

export type PreviewsFeature = ReturnType<typeof createPreviewsFeature>;
