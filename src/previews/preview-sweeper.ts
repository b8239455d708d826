/**
 * Deletes previews whose TTL ended, every `intervalMs` (BERTH_PREVIEW_SWEEP_SECONDS, default 60). A
 * preview being deployed right now is left for the next round (its push extends the TTL anyway).
 */
import type { Logger } from '../logger.js';
import type { PreviewsService } from './previews.service.js';
import { listExpiredPreviewRows } from './previews.repository.js';

export class PreviewSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly previews: PreviewsService,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** One round: returns the names of the previews it removed. */
  async sweep(): Promise<string[]> {
    const removed: string[] = [];
    for (const preview of await listExpiredPreviewRows(this.previews.deps.db, new Date().toISOString())) {
      try {
        const done = await this.previews.removePreview(preview, { skipBusy: true });
        if (done.length > 0) {
          removed.push(preview.name);
          this.logger.info({ projectId: preview.projectId, preview: preview.name }, 'expired preview removed');
        }
      } catch (error) {
        this.logger.warn(
          { err: error, projectId: preview.projectId, preview: preview.name },
          'could not remove an expired preview',
        );
      }
    }
    return removed;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.error({ err: error }, 'preview sweep failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
