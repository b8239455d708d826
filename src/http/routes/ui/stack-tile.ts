/**
 * A compose stack on the project canvas: its name, the status of its last deploy in the canvas's words
 * (so the tile has the same colours as an app's), its URL and how many services its compose file names.
 */
import { composeServiceCount } from '../../../stacks/compose-service-count.js';
import type { StackStatus, StackView } from '../../../stacks/stack.types.js';
import type { AppContext } from '../../context.js';
import type { TileStatus } from './tile-status.js';

export interface StackTile {
  id: string;
  name: string;
  url: string;
  status: TileStatus;
  /** Services in the compose file; null when it lives in a repository (not read for a tile). */
  serviceCount: number | null;
  sourceType: 'paste' | 'repo';
  templateId: string | null;
  error: string | null;
  deployedAt: string | null;
}

const WORDS: Record<StackStatus, TileStatus> = {
  created: 'not deployed',
  deploying: 'deploying',
  running: 'active',
  failed: 'failed',
};

export function stackTileStatus(status: StackStatus): TileStatus {
  return WORDS[status];
}

export function toStackTile(stack: StackView): StackTile {
  return {
    id: stack.id,
    name: stack.name,
    url: stack.url,
    status: stackTileStatus(stack.status),
    serviceCount: composeServiceCount(stack.source),
    sourceType: stack.source.type,
    templateId: stack.templateId,
    error: stack.error,
    deployedAt: stack.deployedAt,
  };
}

/** The stacks of one environment (`null`: the project-wide ones, shown with production). */
export async function stackTiles(
  ctx: AppContext,
  projectId: string,
  environmentId: string | null = null,
): Promise<StackTile[]> {
  return (await ctx.stacks.list(projectId)).filter((s) => s.environmentId === environmentId).map(toStackTile);
}
