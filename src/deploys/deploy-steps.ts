/** The steps of a deployment, in order. Each throws a DeployFailure with words a user can act on. */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { defaultHostname } from '../projects/service.types.js';
import type { ContainerDetails, VolumeMount } from '../runtime/runtime.js';
import { appContainerSpec, projectNetworkSpec, releaseContainerSpec, type AppWorkload } from '../workloads/app-spec.js';
import { builtImageTag } from '../workloads/names.js';
import type { DeployDeps, RunContext } from './deploy-context.js';
import { waitUntilHealthy } from './health-check.js';
import type { Upstream } from './ports.js';
import { splitCommand } from './command-line.js';
import { chooseAppPort, portOfContainer, refusedPortHint } from './app-port.js';

export class DeployFailure extends Error {}

/**
 * Removes the image a deployment built, once it can never go live (failed, cancelled, interrupted): only a
 * deployment that went live is a rollback target, and image retention only prunes those.
 */
export async function removeBuiltImage(
  deps: Pick<DeployDeps, 'runtime' | 'logger'>,
  serviceId: string,
  deploymentId: string,
) {
  const tag = builtImageTag(serviceId, deploymentId);
  await deps.runtime
    .removeImage(tag)
    .catch((error: unknown) =>
      deps.logger.warn({ err: error, image: tag }, 'could not remove the image of a deployment that did not go live'),
    );
}

export function hostnamesOf(ctx: Pick<RunContext, 'deps' | 'project' | 'service'>): string[] {
  return [defaultHostname(ctx.service.name, ctx.project.hostScope, ctx.deps.config.appsDomain)];
}

/** fetching: git source at an exact commit, or the image of an image source. Returns the dir to build, if any. */
export async function fetchSource(
  ctx: RunContext,
): Promise<{ sourceDir?: string; image?: string; commit?: { sha: string; message: string; author: string } }> {
  if (ctx.deployment.trigger === 'upload') return uploadedTree(ctx);
  const source = ctx.service.source;
  if (source.type === 'image') {
    ctx.log.line(`Pulling ${source.image}`);
    await ctx.deps.runtime.pullImage(source.image, (line) => ctx.log.line(line));
    return { image: source.image };
  }
  // Rows older than migration 0008 have no builtFrom; their pushes are known by the trigger.
  if (source.type === 'push' || ctx.deployment.builtFrom === 'push' || ctx.deployment.trigger === 'push')
    return exportPushedCommit(ctx);
  const dir = join(ctx.deps.buildsDir, ctx.deployment.id);
  ctx.log.line(`Fetching ${source.url} (branch ${source.branch})`);
  const commit = await ctx.deps.fetcher.fetchGit({
    url: source.url,
    branch: source.branch,
    commit: ctx.deployment.commit?.sha,
    dir,
    credentials: await ctx.deps.catalog.gitCredentials(ctx.service.id),
    log: (line) => ctx.log.line(line),
    signal: ctx.signal,
  });
  ctx.log.line(`Checked out ${commit.sha.slice(0, 12)}: ${commit.message.split('\n')[0]}`);
  return { sourceDir: dir, commit };
}

/** fetching, for `berth up`: the archive was unpacked into the working copy when it was uploaded. */
async function uploadedTree(ctx: RunContext): Promise<{ sourceDir: string }> {
  const dir = join(ctx.deps.buildsDir, ctx.deployment.id);
  if (!existsSync(dir))
    throw new DeployFailure(
      'The uploaded files are gone (Berth restarted before this deploy ran): run `berth up` again.',
    );
  ctx.log.line('Using the uploaded files');
  return { sourceDir: dir };
}

/** fetching, for a push (or a push-only service): the pushed commit, from Berth's own repository. */
async function exportPushedCommit(
  ctx: RunContext,
): Promise<{ sourceDir: string; commit: { sha: string; message: string; author: string } }> {
  const { pushed } = ctx.deps;
  if (!pushed) throw new DeployFailure('Pushed commits cannot be read here.');
  const branch = ctx.service.source.type === 'image' ? 'main' : ctx.service.source.branch;
  const sha =
    ctx.deployment.commit?.sha ?? (await pushed.branchTip(ctx.project.name, ctx.service.name, branch, ctx.service.id));
  if (!sha)
    throw new DeployFailure(`Nothing was pushed to ${branch} yet: push to the service's git remote to deploy it.`);
  const dir = join(ctx.deps.buildsDir, ctx.deployment.id);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  ctx.log.line(`Reading the pushed commit ${sha.slice(0, 12)}`);
  const commit = await pushed.exportCommit(ctx.project.name, ctx.service.name, sha, dir).catch((error: unknown) => {
    throw new DeployFailure(
      `Could not read the pushed commit: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  ctx.log.line(`Checked out ${commit.sha.slice(0, 12)}: ${commit.message.split('\n')[0]}`);
  return { sourceDir: dir, commit };
}

export async function removeSourceDir(ctx: RunContext): Promise<void> {
  await rm(join(ctx.deps.buildsDir, ctx.deployment.id), { recursive: true, force: true });
}

/** releasing: the optional release command (migrations) in a one-off container of the new image. */
export async function runRelease(
  ctx: RunContext,
  image: string,
  env: Record<string, string>,
  volumes: VolumeMount[] = [],
): Promise<void> {
  if (!ctx.service.releaseCommand) return;
  const runtime = ctx.deps.runtime;
  ctx.log.line(`Running the release command: ${ctx.service.releaseCommand}`);
  // A new project's first deploy reaches this step before any container made its network.
  await ensureProjectNetwork(ctx);
  const id = await runtime.createContainer(
    releaseContainerSpec(workloadOf(ctx, image, env, volumes), splitCommand(ctx.service.releaseCommand)),
  );
  try {
    await runtime.startContainer(id);
    await runtime.containerLogs(id, { follow: true, signal: ctx.signal }, (line) => ctx.log.line(`release | ${line}`));
    const details = await waitForExit(ctx, id);
    if (details.exitCode !== 0) throw new DeployFailure(`The release command exited with code ${details.exitCode}.`);
  } finally {
    await runtime.removeContainer(id);
  }
}

/** The deployment as the workload builders see it (plain ids and names). */
export function workloadOf(
  ctx: Pick<RunContext, 'project' | 'service' | 'deployment' | 'startCommand'>,
  image: string,
  env: Record<string, string>,
  volumes: VolumeMount[] = [],
): AppWorkload {
  const workload = { project: ctx.project, service: ctx.service, deploymentId: ctx.deployment.id, image, env, volumes };
  return ctx.startCommand ? { ...workload, cmd: ctx.startCommand } : workload;
}

function ensureProjectNetwork(ctx: RunContext): Promise<void> {
  const network = projectNetworkSpec(ctx.project);
  return ctx.deps.runtime.ensureNetwork(network.name, network.labels);
}

async function waitForExit(ctx: RunContext, id: string): Promise<ContainerDetails> {
  for (;;) {
    const details = await ctx.deps.runtime.inspectContainer(id);
    if (!details) throw new DeployFailure('The release container disappeared.');
    if (details.state === 'exited' || details.state === 'dead') return details;
    if (ctx.signal.aborted) throw new DeployFailure('Cancelled.');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** starting: the new containers, beside the old ones, on the project network. Returns their ids. */
export async function startContainers(
  ctx: RunContext,
  image: string,
  env: Record<string, string>,
  volumes: VolumeMount[] = [],
): Promise<string[]> {
  const { runtime } = ctx.deps;
  const { service } = ctx;
  await ensureProjectNetwork(ctx);
  const { port, why } = await chooseAppPort(runtime, service, image);
  ctx.log.line(`The app listens on port ${port} (${why})`);
  const ids: string[] = [];
  for (let i = 1; i <= service.replicas; i++) {
    const id = await runtime.createContainer(appContainerSpec(workloadOf(ctx, image, env, volumes), i, port));
    ids.push(id);
    await runtime.startContainer(id);
    ctx.log.line(`Started container ${i}/${service.replicas} (${id.slice(0, 12)})`);
  }
  return ids;
}

export function upstreamOf(details: ContainerDetails, network: string, port: number): Upstream | undefined {
  const host = details.ipAddresses[network];
  return host ? { id: details.id, host, port } : undefined;
}

/** healthy: every new container passes its health check (the stabilisation window follows the switch: switch-watch.ts). */
export async function checkHealth(ctx: RunContext, containerIds: string[]): Promise<Upstream[]> {
  const { runtime } = ctx.deps;
  const upstreams: Upstream[] = [];
  for (const id of containerIds) {
    const details = await runtime.inspectContainer(id);
    const upstream = details && upstreamOf(details, ctx.project.networkName, portOfContainer(details, ctx.service));
    if (!details || !upstream) throw new DeployFailure('A new container has no address on the project network.');
    const isStillRunning = async () => (await runtime.inspectContainer(id))?.state === 'running';
    const result = await waitUntilHealthy(upstream, ctx.service.healthcheck, { isStillRunning, signal: ctx.signal });
    if (!result.ok) {
      // The most common first-deploy mistake: the app listens on another port than Berth checks.
      const hint = result.refused ? await refusedPortHint(runtime, details.image, upstream.port) : undefined;
      throw new DeployFailure(`Health check failed: ${hint ? `${hint} (${result.reason})` : result.reason}`);
    }
    ctx.log.line(`Container ${id.slice(0, 12)} is healthy`);
    upstreams.push(upstream);
  }
  return upstreams;
}

/** Stops and removes containers, tolerating ones that are already gone. */
export async function removeContainers(ctx: Pick<RunContext, 'deps'>, ids: string[]): Promise<void> {
  for (const id of ids) {
    try {
      await ctx.deps.runtime.stopContainer(id, ctx.deps.timing.stopTimeoutSeconds);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'DOCKER_ERROR') throw error;
    }
    await ctx.deps.runtime.removeContainer(id);
  }
}

/** The last lines of a container's output, for a failure report. */
export async function lastLogLines(ctx: RunContext, id: string, count = 20): Promise<string[]> {
  const lines: string[] = [];
  await ctx.deps.runtime.containerLogs(id, { follow: false, tail: count }, (line) => lines.push(line)).catch(() => {});
  return lines;
}
