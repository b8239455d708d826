/**
 * Deployment lifecycle (DESIGN.md): queued → fetching → building → releasing → starting → healthy →
 * watching (switched: the new containers serve, the previous ones stand by through the stabilisation
 * window) → active.
 */
export const ACTIVE_PHASES = ['fetching', 'building', 'releasing', 'starting', 'healthy', 'watching'] as const;
export type DeploymentStatus =
  | 'queued'
  | (typeof ACTIVE_PHASES)[number]
  | 'active'
  | 'failed'
  | 'cancelled'
  | 'interrupted'
  | 'superseded'
  /** A formerly active deployment replaced by a newer one; its image is kept for rollback. */
  | 'replaced';

/** 'upload': `berth up` sent the code as an archive (its builtFrom is null: the source is that one upload). */
export type DeploymentTrigger = 'manual' | 'api' | 'push' | 'webhook' | 'rollback' | 'upload' | 'autoscale';

/**
 * Where a deployment's code comes from: the git source's branch fetched at deploy time ('url'), a commit
 * pushed to Berth's own git remote ('push'), or an image ('image').
 */
export type BuiltFrom = 'url' | 'push' | 'image';

export interface Deployment {
  id: string;
  serviceId: string;
  status: DeploymentStatus;
  trigger: DeploymentTrigger;
  triggeredBy: string | null;
  commit: { sha: string; message: string | null; author: string | null } | null;
  image: string | null;
  builtFrom: BuiltFrom | null;
  rollbackOf: string | null;
  error: string | null;
  phaseTimings: Record<string, number>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Where a deployment writes its log lines (build output, phases). Implementations escape nothing: readers do. */
export interface DeploymentLog {
  line(text: string): void;
}
