/**
 * Puts a checked stack on the engine: builds the `build:` services, makes the stack network and volumes,
 * then starts the services in depends_on order, each after its dependencies meet their conditions. A
 * service whose container spec did not change keeps its running container; a changed one is replaced.
 * The routed service is always replaced the way apps are: the new container starts beside the old one,
 * the route moves only once it is ready, and the old one drains and is removed after, so no request on
 * the stack's URL fails across a redeploy. Services no longer in the file are removed at the end.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Router, Upstream } from '../deploys/ports.js';
import type { ContainerSpec, ContainerSummary, Runtime } from '../runtime/runtime.js';
import {
  STACK_LABELS,
  stackContainerSpec,
  stackImageTag,
  stackLabels,
  stackNetworkName,
  serviceNetworks,
  stackSelector,
  stackVolumeName,
  type StackRef,
} from '../workloads/stack-spec.js';
import { startOrder } from './compose-check.js';
import type { StackDefinition, StackService } from './compose.types.js';
import { StackFailure, waitForCondition, waitUntilRoutable, type WaitTiming } from './stack-waits.js';

export interface StackDeployDeps {
  runtime: Runtime;
  router: Router;
  timing: WaitTiming & { drainTimeoutMs: number; stopTimeoutSeconds: number };
}

export interface StackDeployPlan {
  stack: StackRef;
  definition: StackDefinition;
  generation: number;
  routed: { service: string; port: number; hostnames: string[] };
  /** The checked-out repository folder holding the compose file (absent: a pasted file). */
  sourceDir?: string;
  log: (line: string) => void;
}

export async function deployStack(deps: StackDeployDeps, plan: StackDeployPlan): Promise<void> {
  const { runtime } = deps;
  const { stack, definition, generation, log } = plan;
  const images = await prepareImages(deps, plan);
  await ensureNetworks(deps, plan);
  for (const volume of definition.volumes)
    if (await runtime.ensureVolume(stackVolumeName(stack.id, volume), stackLabels(stack)))
      log(`Created volume ${volume}`);
  const existing = await runtime.listContainers(stackSelector(stack.id));
  const current = new Map<string, string>();
  for (const service of startOrder(definition.services)) {
    for (const dependency of service.dependsOn) {
      log(`${service.name} waits for ${dependency.service} (${dependency.condition})`);
      await waitForCondition(
        runtime,
        current.get(dependency.service)!,
        dependency.service,
        dependency.condition,
        deps.timing,
      );
    }
    const image = images.get(service.name)!;
    const digest = await specDigest(runtime, stack, service, image, generation);
    const spec = stackContainerSpec(stack, service, image, generation, digest);
    const old = existing.filter((c) => c.labels[STACK_LABELS.stackService] === service.name);
    if (service.name === plan.routed.service) {
      current.set(service.name, await replaceRouted(deps, plan, spec, service, old));
      continue;
    }
    const same = old.find((c) => c.state === 'running' && c.labels[STACK_LABELS.spec] === digest);
    if (same) {
      log(`${service.name} is unchanged: its container keeps running`);
      current.set(service.name, same.id);
      await removeAll(
        deps,
        old.filter((c) => c.id !== same.id),
      );
      continue;
    }
    await removeAll(deps, old);
    const id = await runtime.createContainer(spec);
    await runtime.startContainer(id);
    log(`Started ${service.name} (${id.slice(0, 12)})`);
    current.set(service.name, id);
  }
  const names = new Set(definition.services.map((s) => s.name));
  const gone = existing.filter((c) => !names.has(c.labels[STACK_LABELS.stackService] ?? ''));
  if (gone.length > 0) log(`Removing ${gone.length} container(s) of services no longer in the file`);
  await removeAll(deps, gone);
  const wanted = new Set(['default', ...definition.networks].map((n) => stackNetworkName(stack.id, n)));
  for (const network of await runtime.listNetworks(stackSelector(stack.id)))
    if (!wanted.has(network.name)) {
      log(`Removing network ${network.name} (no longer in the file)`);
      await runtime.removeNetwork(network.name).catch(() => {});
    }
}

/** The stack's `default` network and one per declared network (`internal: true` honoured), labelled as the stack's. */
async function ensureNetworks(deps: StackDeployDeps, plan: StackDeployPlan): Promise<void> {
  const { stack, definition } = plan;
  const internal = new Set(definition.internalNetworks ?? []);
  for (const network of new Set(['default', ...definition.networks]))
    await deps.runtime.ensureNetwork(stackNetworkName(stack.id, network), stackLabels(stack), {
      internal: internal.has(network),
    });
}

/** The network Berth's proxy reaches the routed service on: its first one that is not internal. */
export function routedNetwork(definition: StackDefinition, service: StackService): string | undefined {
  const internal = new Set(definition.internalNetworks ?? []);
  return serviceNetworks(service).find((network) => !internal.has(network));
}

/** New container beside the old; the route moves once it is ready; the old drains and goes. */
async function replaceRouted(
  deps: StackDeployDeps,
  plan: StackDeployPlan,
  spec: ContainerSpec,
  service: StackService,
  old: ContainerSummary[],
): Promise<string> {
  const { runtime, router } = deps;
  const stale = old.filter((c) => c.name === spec.name);
  await removeAll(deps, stale);
  const network = stackNetworkName(plan.stack.id, routedNetwork(plan.definition, service));
  const id = await runtime.createContainer({
    ...spec,
    labels: { ...spec.labels, [STACK_LABELS.routeNetwork]: network },
  });
  let upstream: Upstream;
  try {
    await runtime.startContainer(id);
    plan.log(`Started ${service.name} (${id.slice(0, 12)}); waiting until it answers on port ${plan.routed.port}`);
    upstream = await waitUntilRoutable(
      runtime,
      id,
      network,
      plan.routed.port,
      spec.healthcheck !== undefined,
      deps.timing,
    );
  } catch (error) {
    await runtime.removeContainer(id).catch(() => {});
    throw error;
  }
  router.setRoute(plan.routed.hostnames, plan.stack.id, [upstream]);
  plan.log(`Traffic switched to ${service.name} (${id.slice(0, 12)})`);
  const previous = old.filter((c) => c.name !== spec.name);
  if (previous.length > 0) {
    await router.waitForDrain(
      previous.map((c) => c.id),
      deps.timing.drainTimeoutMs,
    );
    await removeAll(deps, previous);
    plan.log(`Removed the previous ${service.name} container(s)`);
  }
  return id;
}

/** The image of each service: built for `build:` services (tagged per generation), else the named image. */
async function prepareImages(deps: StackDeployDeps, plan: StackDeployPlan): Promise<Map<string, string>> {
  const images = new Map<string, string>();
  for (const service of plan.definition.services) {
    if (!service.build) {
      if (!(await deps.runtime.hasImage(service.image!))) {
        plan.log(`Pulling ${service.image!}`);
        await deps.runtime.pullImage(service.image!, plan.log);
      }
      images.set(service.name, service.image!);
      continue;
    }
    const build = service.build;
    const tag = stackImageTag(plan.stack.id, service.name, plan.generation);
    let scratch: string | undefined;
    let contextDir: string;
    if (plan.sourceDir) contextDir = join(plan.sourceDir, build.context);
    else if (build.dockerfileInline !== undefined && build.context === '.') {
      scratch = await mkdtemp(join(tmpdir(), 'berth-stack-'));
      contextDir = scratch;
    } else
      throw new StackFailure(
        `${service.name}: a pasted compose file has no repository to build from (use image:, dockerfile_inline, or a repository)`,
      );
    try {
      let dockerfile = build.dockerfile ?? 'Dockerfile';
      if (build.dockerfileInline !== undefined) {
        dockerfile = '.berth-inline.Dockerfile';
        await writeFile(join(contextDir, dockerfile), build.dockerfileInline);
      }
      plan.log(`Building ${service.name}`);
      await deps.runtime.buildImage({
        contextDir,
        dockerfile,
        tag,
        buildArgs: build.args,
        labels: stackLabels(plan.stack),
        onLine: (line) => plan.log(`[${service.name}] ${line}`),
      });
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
    images.set(service.name, tag);
  }
  return images;
}

/** What makes a container "the same": its spec without names and generation, and the image's id. */
async function specDigest(
  runtime: Runtime,
  stack: StackRef,
  service: StackService,
  image: string,
  generation: number,
): Promise<string> {
  const spec = stackContainerSpec(stack, service, image, generation, '');
  const { name: _name, labels, ...rest } = spec;
  const { [STACK_LABELS.generation]: _generation, [STACK_LABELS.spec]: _spec, ...stable } = labels;
  const imageId = (await runtime.inspectImage(image))?.id ?? image;
  return createHash('sha256')
    .update(JSON.stringify({ ...rest, labels: stable, image: imageId }))
    .digest('hex')
    .slice(0, 16);
}

async function removeAll(deps: StackDeployDeps, containers: ContainerSummary[]): Promise<void> {
  for (const container of containers) {
    await deps.runtime.stopContainer(container.id, deps.timing.stopTimeoutSeconds).catch(() => {});
    await deps.runtime.removeContainer(container.id);
  }
}

/** Everything of a stack on the engine: containers, then its network, images, and (when asked) volumes. */
export async function removeStackObjects(
  deps: Pick<StackDeployDeps, 'runtime' | 'timing'>,
  stack: Pick<StackRef, 'id'>,
  volumes: readonly string[],
): Promise<void> {
  const { runtime } = deps;
  await removeAll(deps as StackDeployDeps, await runtime.listContainers(stackSelector(stack.id)));
  await runtime.removeNetwork(stackNetworkName(stack.id)).catch(() => {});
  for (const network of await runtime.listNetworks(stackSelector(stack.id)))
    await runtime.removeNetwork(network.name).catch(() => {});
  for (const image of await runtime.listImages(stackSelector(stack.id)))
    for (const tag of image.tags) await runtime.removeImage(tag).catch(() => {});
  for (const volume of volumes) await runtime.removeVolume(stackVolumeName(stack.id, volume)).catch(() => {});
}
