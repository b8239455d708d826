/**
 * The accepted options of one compose service, read into a StackService: image or build (inside the
 * repository), environment (list or map), command and entrypoint, ports and expose (container ports only:
 * Berth routes, it does not publish), networks, depends_on (list or long form), healthcheck, restart,
 * labels (`berth.*` labels are Berth's own and are refused). Runs after compose-forbidden.ts.
 */
import { posix } from 'node:path';
import type { YamlPath } from '../lib/yaml-document.js';
import { isMap, type ComposeReport } from './compose-report.js';
import { readEnvFileEntries } from './compose-env-file.js';
import { serviceMounts, type MountRules } from './compose-volumes.js';
import type { DependsCondition, StackBuild, StackHealthcheck, StackService } from './compose.types.js';
import { durationMs, stringMap, words } from './compose-values.js';

const CONDITIONS: readonly DependsCondition[] = [
  'service_started',
  'service_healthy',
  'service_completed_successfully',
];
const RESTARTS = ['no', 'always', 'on-failure', 'unless-stopped'] as const;
const IMAGE = /^[a-z0-9][a-z0-9._/:@-]{0,254}$/i;

export interface ServiceContext {
  services: ReadonlySet<string>;
  networks: ReadonlySet<string>;
  mounts: MountRules;
  /** The compose file's folder in its repository; absent for a pasted file (env_file is refused before). */
  composeDir?: string;
}

export function readService(
  name: string,
  raw: Record<string, unknown>,
  context: ServiceContext,
  report: ComposeReport,
): StackService {
  const at = (...rest: (string | number)[]): YamlPath => ['services', name, ...rest];
  const service: StackService = {
    name,
    environment: stringMap(raw.environment, at('environment'), report, true),
    ports: [...containerPorts(raw.ports, at('ports'), report), ...containerPorts(raw.expose, at('expose'), report)],
    volumes: serviceMounts(raw.volumes, at('volumes'), context.mounts, report),
    networks: serviceNetworks(raw.networks, at('networks'), context.networks, report),
    dependsOn: dependsOn(raw.depends_on, at('depends_on'), context.services, report),
    labels: stringMap(raw.labels, at('labels'), report, false),
  };
  const aliases = networkAliases(raw.networks, at('networks'), report);
  if (Object.keys(aliases).length > 0) service.networkAliases = aliases;
  if (raw.env_file !== undefined && context.composeDir !== undefined)
    service.envFiles = readEnvFileEntries(raw.env_file, at('env_file'), context.composeDir, report);
  if (raw.ports !== undefined)
    report.note('ports: are not published on the host: Berth routes the chosen service’s port through its proxy');
  for (const key of Object.keys(service.labels))
    if (key.startsWith('berth.')) report.problem(at('labels', key), `labels starting with berth. are Berth’s own`);
  if (raw.image !== undefined) {
    if (typeof raw.image === 'string' && IMAGE.test(raw.image)) service.image = raw.image;
    else report.problem(at('image'), 'image must be an image reference such as postgres:15');
  }
  if (raw.build !== undefined) service.build = readBuild(raw.build, at('build'), report);
  if (service.image === undefined && service.build === undefined)
    report.problem(at(), 'a service needs image: or build:');
  if (raw.command !== undefined) service.command = words(raw.command, at('command'), report);
  if (raw.entrypoint !== undefined) service.entrypoint = words(raw.entrypoint, at('entrypoint'), report);
  if (typeof raw.user === 'string' || typeof raw.user === 'number') service.user = String(raw.user);
  if (typeof raw.working_dir === 'string') service.workingDir = raw.working_dir;
  if (raw.healthcheck !== undefined) service.healthcheck = readHealthcheck(raw.healthcheck, at('healthcheck'), report);
  if (raw.restart !== undefined) {
    const restart = String(raw.restart).replace(/:\d+$/, '');
    if ((RESTARTS as readonly string[]).includes(restart)) service.restart = restart as StackService['restart'];
    else report.problem(at('restart'), `restart must be one of ${RESTARTS.join(', ')}`);
  }
  if (raw.container_name !== undefined) report.note('container_name is ignored: Berth names the containers');
  return service;
}

function readBuild(value: unknown, path: YamlPath, report: ComposeReport): StackBuild | undefined {
  const spec = typeof value === 'string' ? { context: value } : value;
  if (!isMap(spec)) {
    report.problem(path, 'build is a folder or a map with context and dockerfile');
    return undefined;
  }
  for (const key of Object.keys(spec))
    if (!['context', 'dockerfile', 'dockerfile_inline', 'args', 'target'].includes(key))
      report.problem([...path, key], `build.${key} is not an option Berth runs`);
  const context = typeof spec.context === 'string' ? spec.context : '.';
  if (!isInsideRepository(context)) {
    report.problem([...path, 'context'], `the build context ${context} must be a folder inside the repository`);
    return undefined;
  }
  const build: StackBuild = {
    context: posix.normalize(context),
    args: stringMap(spec.args, [...path, 'args'], report, true),
  };
  if (spec.dockerfile !== undefined) {
    if (typeof spec.dockerfile === 'string' && isInsideRepository(spec.dockerfile)) build.dockerfile = spec.dockerfile;
    else report.problem([...path, 'dockerfile'], 'dockerfile must be a path inside the build context');
  }
  if (spec.dockerfile_inline !== undefined) build.dockerfileInline = String(spec.dockerfile_inline);
  return build;
}

/** A relative path that stays inside (no `..` out, not absolute, not a URL or git address). */
function isInsideRepository(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.startsWith('~') || /^[a-z]+:\/\//i.test(path) || path.includes(':'))
    return false;
  const normal = posix.normalize(path);
  return normal !== '..' && !normal.startsWith('../');
}

function containerPorts(value: unknown, path: YamlPath, report: ComposeReport): number[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    report.problem(path, 'must be a list');
    return [];
  }
  const ports: number[] = [];
  value.forEach((entry, index) => {
    const raw = isMap(entry) ? entry.target : String(entry).split('/')[0]!.split(':').at(-1);
    const port = Number(String(raw).split('-')[0]);
    if (Number.isInteger(port) && port >= 1 && port <= 65535) ports.push(port);
    else report.problem([...path, index], `${String(isMap(entry) ? JSON.stringify(entry) : entry)} is not a port`);
  });
  return ports;
}

function serviceNetworks(value: unknown, path: YamlPath, known: ReadonlySet<string>, report: ComposeReport): string[] {
  if (value === undefined) return [];
  const names = Array.isArray(value) ? value.map(String) : isMap(value) ? Object.keys(value) : undefined;
  if (!names) {
    report.problem(path, 'networks must be a list or a map');
    return [];
  }
  for (const name of names)
    if (name !== 'default' && !known.has(name))
      report.problem([...path, name], `network ${name} is not declared under the top-level networks:`);
  if (isMap(value))
    for (const [name, spec] of Object.entries(value))
      if (isMap(spec))
        for (const key of Object.keys(spec))
          if (key !== 'aliases')
            report.problem(
              [...path, name, key],
              key.endsWith('_address')
                ? 'fixed addresses are not supported'
                : `${key} is not a network option Berth runs`,
            );
  return names;
}

const ALIAS = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

/** `networks: {front: {aliases: [a, b]}}` → {front: [a, b]}; a service's own name is an alias everywhere anyway. */
function networkAliases(value: unknown, path: YamlPath, report: ComposeReport): Record<string, string[]> {
  const aliases: Record<string, string[]> = {};
  if (!isMap(value)) return aliases;
  for (const [network, spec] of Object.entries(value)) {
    if (!isMap(spec) || spec.aliases === undefined) continue;
    const list = spec.aliases;
    if (!Array.isArray(list) || list.some((alias) => typeof alias !== 'string' || !ALIAS.test(alias))) {
      report.problem([...path, network, 'aliases'], 'aliases must be a list of host names');
      continue;
    }
    if (list.length > 0) aliases[network] = list as string[];
  }
  return aliases;
}

function dependsOn(
  value: unknown,
  path: YamlPath,
  services: ReadonlySet<string>,
  report: ComposeReport,
): StackService['dependsOn'] {
  if (value === undefined) return [];
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((name) => [String(name), 'service_started'])
    : isMap(value)
      ? Object.entries(value).map(([name, spec]) => [name, isMap(spec) ? (spec.condition ?? 'service_started') : spec])
      : [];
  if (!Array.isArray(value) && !isMap(value)) report.problem(path, 'depends_on must be a list or a map');
  return entries.flatMap(([service, condition]) => {
    if (!services.has(service)) {
      report.problem([...path, service], `depends_on names ${service}, which is not a service of this file`);
      return [];
    }
    if (!CONDITIONS.includes(condition as DependsCondition)) {
      report.problem([...path, service, 'condition'], `condition must be one of ${CONDITIONS.join(', ')}`);
      return [];
    }
    return [{ service, condition: condition as DependsCondition }];
  });
}

function readHealthcheck(value: unknown, path: YamlPath, report: ComposeReport): StackHealthcheck | undefined {
  if (!isMap(value)) {
    report.problem(path, 'healthcheck must be a map');
    return undefined;
  }
  if (value.disable === true) return { test: ['NONE'] };
  const test = value.test;
  let command: string[] | undefined;
  if (typeof test === 'string') command = ['CMD-SHELL', test];
  else if (Array.isArray(test) && ['CMD', 'CMD-SHELL', 'NONE'].includes(String(test[0]))) command = test.map(String);
  if (!command) {
    report.problem([...path, 'test'], 'test must be a command string or a list starting with CMD, CMD-SHELL or NONE');
    return undefined;
  }
  const check: StackHealthcheck = { test: command };
  const times = { interval: 'intervalMs', timeout: 'timeoutMs', start_period: 'startPeriodMs' } as const;
  for (const [key, field] of Object.entries(times)) {
    if (value[key] === undefined) continue;
    const ms = durationMs(value[key]);
    if (ms === undefined) report.problem([...path, key], `${key} must be a duration such as 10s or 1m30s`);
    else check[field] = ms;
  }
  if (value.retries !== undefined) {
    if (Number.isInteger(value.retries) && (value.retries as number) >= 0) check.retries = value.retries as number;
    else report.problem([...path, 'retries'], 'retries must be a whole number');
  }
  return check;
}
