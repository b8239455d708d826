/**
 * `berth upgrade --to VERSION|IMAGE [--no-wait]` (run inside Berth's container: `docker exec berth berth upgrade`),
 * `berth upgrade-apply` (what the upgrader container runs; not for people), and `berth remove-apps` (the
 * installer's `--uninstall --remove-apps`).
 */
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { listProjectIds } from '../projects/projects.repository.js';
import { projectNetworkName } from '../workloads/names.js';
import { DockerRuntime } from '../runtime/docker.js';
import { SelfContainers } from '../runtime/docker/self-container.js';
import { applyUpgrade } from './upgrade-apply.js';
import { startUpgrade } from './upgrade-start.js';
import { readUpgradeStatus, TERMINAL_UPGRADE_STATES } from './upgrade-status.js';

const print = (line: string) => process.stdout.write(`${line}\n`);

export async function upgradeCommand(
  config: Config,
  args: string[],
  withDatabase: <T>(work: (db: Db) => Promise<T>) => Promise<T>,
): Promise<void> {
  const { values } = parseArgs({ args, options: { to: { type: 'string' }, 'no-wait': { type: 'boolean' } } });
  const runtime = new DockerRuntime(config.docker);
  const { image } = await withDatabase((db) => startUpgrade(config, runtime, db, values.to ?? '', print));
  if (values['no-wait']) return;
  print('Following the upgrade; when run inside the container being replaced, this ends as it stops.');
  // This process runs in the container being replaced, so it may be stopped before the end; the
  // outcome is in the panel either way.
  let shown = 0;
  const deadline = Date.now() + config.upgradeHealthTimeoutMs * 2 + 60_000;
  while (Date.now() < deadline) {
    const status = readUpgradeStatus(config.dataDir);
    if (status && status.to === image) {
      for (const line of status.steps.slice(shown)) print(line);
      shown = status.steps.length;
      if (TERMINAL_UPGRADE_STATES.includes(status.state)) {
        if (status.state !== 'succeeded') throw new AppError('INTERNAL', `upgrade ${status.state}: ${status.reason}`);
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

export async function upgradeApplyCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { container: { type: 'string' }, image: { type: 'string' }, 'health-timeout': { type: 'string' } },
  });
  if (!values.container || !values.image)
    throw new AppError('VALIDATION_FAILED', 'usage: berth upgrade-apply --container NAME --image IMAGE');
  const timeout = Number(values['health-timeout'] ?? '');
  const status = await applyUpgrade({
    dataDir: config.dataDir,
    containerName: values.container,
    targetImage: values.image,
    healthTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : config.upgradeHealthTimeoutMs,
    containers: new SelfContainers(config.docker),
    log: (line) => print(`    ${line}`),
  });
  if (status.state !== 'succeeded') {
    process.stderr.write(`${status.reason ?? ''}\n`);
    process.exitCode = 1;
  }
}

/** Removes the containers (apps, databases, one-off jobs) and networks of this data dir's projects; volumes stay. */
export async function removeAppsCommand(
  config: Config,
  withDatabase: <T>(work: (db: Db) => Promise<T>) => Promise<T>,
): Promise<void> {
  const runtime = new DockerRuntime(config.docker);
  await withDatabase(async (db) => {
    const projects = await listProjectIds(db);
    let removed = 0;
    for (const id of projects) {
      removed += await runtime.removeContainersByLabel({ 'berth.project': id });
      await runtime.removeNetwork(projectNetworkName(id)).catch(() => {});
    }
    print(`removed ${removed} containers of ${projects.length} projects (database volumes are kept)`);
  });
}
