/**
 * Starts an upgrade from the panel or `berth upgrade`: resolves the target (a version, an image, or the
 * release source's newest), makes sure its image is on the server, and launches the upgrader container
 * from the CURRENT image (known good code drives the switch and the rollback). Returns at once; the
 * upgrader records its progress and outcome in the data dir.
 */
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import { ACTIVE_PHASES } from '../deploys/deployment.types.js';
import { listDeploymentsByStatus } from '../deploys/deployments.repository.js';
import { AppError } from '../errors.js';
import { SelfContainers } from '../runtime/docker/self-container.js';
import type { Runtime } from '../runtime/runtime.js';
import { parseImageRef } from '../source/image-ref.js';
import { upgraderSpec } from '../workloads/upgrader-spec.js';
import { isUpgradeInProgress, readUpgradeStatus, writeUpgradeStatus, type UpgradeStatus } from './upgrade-status.js';

const VERSION_PATTERN = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]{1,40})?$/;

/** `1.2.3` → the same repository as the running image with that tag; anything else must be an image reference. */
export function resolveTargetImage(currentRef: string, target: string): string {
  const trimmed = target.trim();
  if (VERSION_PATTERN.test(trimmed)) {
    const name = currentRef.split('@')[0]!;
    // A colon after the last slash starts the tag; one before it is a registry port.
    const repository = name.lastIndexOf(':') > name.lastIndexOf('/') ? name.slice(0, name.lastIndexOf(':')) : name;
    return `${repository}:${trimmed.replace(/^v/, '')}`;
  }
  return parseImageRef(trimmed).reference;
}

export async function startUpgrade(
  config: Config,
  runtime: Runtime,
  db: Db,
  target: string,
  log: (line: string) => void = () => {},
): Promise<{ image: string }> {
  if (!config.containerName) {
    throw new AppError(
      'CONFLICT',
      'Berth is not running as an installed container (BERTH_CONTAINER_NAME is unset); upgrade by re-running the installer.',
    );
  }
  if (isUpgradeInProgress(readUpgradeStatus(config.dataDir)))
    throw new AppError('CONFLICT', 'An upgrade is already in progress.');
  // Stopping the daemon would interrupt them (the new one marks them interrupted); let them finish.
  const running = await listDeploymentsByStatus(db, ACTIVE_PHASES);
  if (running.length > 0)
    throw new AppError(
      'CONFLICT',
      `${running.length} deployment(s) are running; upgrade when they have finished (or cancel them).`,
    );
  const containers = new SelfContainers(config.docker);
  const self = await containers.inspect(config.containerName);
  if (!self) throw new AppError('NOT_FOUND', `No container named ${config.containerName} on this engine.`);
  if (!target.trim())
    throw new AppError('VALIDATION_FAILED', 'Say which version (e.g. 1.2.3) or image to upgrade to.', {
      details: { to: 'a version or an image reference' },
    });
  const image = resolveTargetImage(self.imageRef, target);
  log(`Getting ${image}`);
  await runtime.pullImage(image, log);
  if ((await containers.imageId(image)) === self.imageId)
    throw new AppError('CONFLICT', `${image} is the version already running.`);
  const startStatus: UpgradeStatus = {
    state: 'starting',
    from: self.imageRef,
    to: image,
    startedAt: new Date().toISOString(),
    steps: [`Starting the upgrader for ${image}`],
  };
  writeUpgradeStatus(config.dataDir, startStatus);
  const upgrader = upgraderSpec({
    self: { ...self, name: config.containerName },
    targetImage: image,
    healthTimeoutMs: config.upgradeHealthTimeoutMs,
  });
  try {
    await containers.runUpgrader(upgrader);
  } catch (error) {
    // Nothing was touched yet; say so instead of leaving a "starting" upgrade that blocks the next one.
    writeUpgradeStatus(config.dataDir, {
      ...startStatus,
      state: 'failed',
      finishedAt: new Date().toISOString(),
      reason: `The upgrader container could not start: ${(error as Error).message}. Berth keeps running ${self.imageRef}.`,
    });
    throw new AppError('DOCKER_ERROR', 'The upgrader container could not start; nothing was changed.', {
      cause: error,
    });
  }
  log('The upgrader is running; Berth restarts in a moment');
  return { image };
}
