/**
 * The Docker objects of a compose stack, as pure specs: one bridge network per compose network (the stack's
 * `default` one, `berth-<stack>`, and `berth-<stack>-<name>` per declared network; a service reaches the
 * services on its networks by name, nothing else does), one named volume per declared volume, one container per
 * service and generation. Names and labels follow Berth's convention (`berth-…`, `berth.project`), plus
 * `berth.stack` to find them again; stack containers carry no `berth.service`, so the deploys' recovery and
 * janitor never mistake them for an app's.
 */
import type { ContainerSpec } from '../runtime/runtime.js';
import { projectLabels, type Labels } from './labels.js';

/** What a stack container is made from: a checked compose service (src/stacks/compose.types.ts has the same shape). */
export interface StackService {
  name: string;
  environment: Record<string, string>;
  command?: string[];
  entrypoint?: string[];
  user?: string;
  workingDir?: string;
  volumes: { source: string; target: string; readOnly: boolean; type: 'volume' | 'tmpfs' | 'bind' }[];
  healthcheck?: { test: string[]; intervalMs?: number; timeoutMs?: number; startPeriodMs?: number; retries?: number };
  restart?: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  labels: Record<string, string>;
  /** Compose networks it joins (empty: `default`). */
  networks: string[];
  /** Extra DNS names per network (the service's name is always one). */
  networkAliases?: Record<string, string[]>;
}

export const STACK_LABELS = {
  stack: 'berth.stack',
  stackService: 'berth.stack-service',
  generation: 'berth.stack-generation',
  /** A digest of the container spec: an unchanged service keeps running across a redeploy. */
  spec: 'berth.stack-spec',
  /** On the routed container: the engine network Berth's proxy reaches it on (recovery reads it back). */
  routeNetwork: 'berth.stack-route-network',
} as const;

export interface StackRef {
  id: string;
  projectId: string;
  projectName: string;
  name: string;
}

export function stackLabels(stack: Pick<StackRef, 'id' | 'projectId'>): Labels {
  return { ...projectLabels(stack.projectId), [STACK_LABELS.stack]: stack.id };
}

export function stackSelector(stackId: string): Labels {
  return { [STACK_LABELS.stack]: stackId };
}

/** The engine's name of a compose network of the stack: `default` is `berth-<stack>`, others get a suffix. */
export function stackNetworkName(stackId: string, network = 'default'): string {
  return network === 'default' ? `berth-${stackId}` : `berth-${stackId}-net-${network}`;
}

/** The compose networks a service joins, in the order written (none written: `default`). */
export function serviceNetworks(service: Pick<StackService, 'networks'>): string[] {
  return service.networks.length > 0 ? service.networks : ['default'];
}

export function stackVolumeName(stackId: string, volume: string): string {
  return `berth-${stackId}-${volume}`;
}

/** `berth-<project>-<stack>-<service>-<generation>`: readable in `docker ps`, unique per generation. */
export function stackContainerName(stack: StackRef, service: string, generation: number): string {
  return `berth-${stack.projectName}-${stack.name}-${service}-${generation}`;
}

/** The repository:tag of the image built for a `build:` service in one generation. */
export function stackImageTag(stackId: string, service: string, generation: number): string {
  return `berth/${stackId}-${service}:g${generation}`;
}

const RESTART: Record<NonNullable<StackService['restart']>, ContainerSpec['restartPolicy']> = {
  no: 'no',
  always: 'unless-stopped',
  'unless-stopped': 'unless-stopped',
  'on-failure': 'on-failure',
};

/**
 * One service's container: on each of its compose networks under its service name (and its aliases
 * there), the compose environment and
 * labels (Berth's labels win), named volumes under their stack names, the compose health check. `image`
 * is the built tag for a `build:` service.
 */
export function stackContainerSpec(
  stack: StackRef,
  service: StackService,
  image: string,
  generation: number,
  specDigest: string,
): ContainerSpec {
  const tmpfs = service.volumes.filter((v) => v.type === 'tmpfs').map((v) => v.target);
  const networks = serviceNetworks(service);
  const aliasesOn = (network: string) => [service.name, ...(service.networkAliases?.[network] ?? [])];
  const spec: ContainerSpec = {
    name: stackContainerName(stack, service.name, generation),
    image,
    env: service.environment,
    labels: {
      ...service.labels,
      ...stackLabels(stack),
      [STACK_LABELS.stackService]: service.name,
      [STACK_LABELS.generation]: String(generation),
      [STACK_LABELS.spec]: specDigest,
    },
    network: stackNetworkName(stack.id, networks[0]),
    networkAliases: aliasesOn(networks[0]!),
    restartPolicy: RESTART[service.restart ?? 'unless-stopped'],
    volumes: service.volumes
      .filter((v) => v.type === 'volume')
      .map((v) => ({
        volume: v.source ? stackVolumeName(stack.id, v.source) : '',
        target: v.target,
        ...(v.readOnly ? { readOnly: true } : {}),
      })),
  };
  if (networks.length > 1)
    spec.extraNetworks = networks
      .slice(1)
      .map((network) => ({ name: stackNetworkName(stack.id, network), aliases: aliasesOn(network) }));
  if (service.command) spec.cmd = service.command;
  if (service.entrypoint) spec.entrypoint = service.entrypoint;
  if (service.user) spec.user = service.user;
  if (service.workingDir) spec.workingDir = service.workingDir;
  if (tmpfs.length > 0) spec.tmpfs = tmpfs;
  const check = service.healthcheck;
  if (check && check.test[0] !== 'NONE') {
    // CMD-SHELL is the compose file's own health check: one command line the engine hands to /bin/sh inside
    // the user's container (as `docker compose` does). Berth builds no shell string and runs nothing on the
    // host; CMD stays argv.
    const shell = check.test[0] === 'CMD-SHELL';
    spec.healthcheck = {
      test: check.test.slice(1),
      ...(shell ? { shell: true } : {}),
      intervalMs: check.intervalMs ?? 30_000,
      timeoutMs: check.timeoutMs ?? 30_000,
      retries: check.retries ?? 3,
      startPeriodMs: check.startPeriodMs ?? 0,
    };
  }
  return spec;
}
