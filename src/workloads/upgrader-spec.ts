/**
 * The short-lived upgrader container that replaces Berth's own container with a new version. It runs
 * the CURRENT image (known good code drives the switch and the rollback) with Berth's own mounts, env
 * and labels, on the host network (it checks the new version's health on Berth's port), and goes away
 * when done. Docker-only by nature (it drives the engine through the mounted socket).
 */
import { LABELS, ROLES, type Labels } from './labels.js';
import { upgraderContainerName } from './names.js';

export interface UpgraderSpec {
  name: string;
  image: string;
  binds: string[];
  env: string[];
  labels: Labels;
  /** The `berth` subcommand and its arguments. */
  args: string[];
}

export interface UpgraderInput {
  /** Berth's own container, as inspected. */
  self: { name: string; imageId: string; binds: string[]; env: string[]; labels: Labels };
  /** The image to upgrade to. */
  targetImage: string;
  healthTimeoutMs: number;
}

export function upgraderSpec({ self, targetImage, healthTimeoutMs }: UpgraderInput): UpgraderSpec {
  return {
    name: upgraderContainerName(self.name),
    image: self.imageId,
    binds: self.binds,
    env: self.env,
    labels: { ...self.labels, [LABELS.role]: ROLES.upgrader },
    args: [
      'upgrade-apply',
      '--container',
      self.name,
      '--image',
      targetImage,
      '--health-timeout',
      String(Math.round(healthTimeoutMs / 1000)),
    ],
  };
}
