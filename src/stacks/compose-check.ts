/**
 * Checks a docker-compose file before Berth runs any of it: parses it (anchors and `<<` merges resolved),
 * fills `${VAR}` from the stack's variables, refuses every option that would give a container the host
 * (compose-forbidden.ts, compose-volumes.ts) naming line and field, and reads what remains into a
 * StackDefinition. Pure: no file, engine or database is touched.
 */
import { parseYaml } from '../lib/yaml-document.js';
import { checkServiceKeys } from './compose-forbidden.js';
import { interpolate } from './compose-interpolate.js';
import { ComposeReport, isMap } from './compose-report.js';
import { readService } from './compose-service.js';
import { internalNetworks, topLevelNetworks, topLevelVolumes } from './compose-volumes.js';
import type { ComposeCheck, ComposeCheckOptions, StackService } from './compose.types.js';

const SERVICE_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;
const TOP_LEVEL = new Set(['services', 'volumes', 'networks', 'name', 'version']);
/** A compose file larger than this is refused before parsing. */
export const MAX_COMPOSE_BYTES = 256 * 1024;

export function checkCompose(text: string, options: ComposeCheckOptions = {}): ComposeCheck {
  if (Buffer.byteLength(text) > MAX_COMPOSE_BYTES)
    return { problems: [{ line: undefined, field: '(root)', message: 'the compose file is over 256 KiB' }], notes: [] };
  const parsed = parseYaml(text);
  if (parsed.problems.length > 0)
    return {
      problems: parsed.problems.map((problem) => ({ line: problem.line, field: '(root)', message: problem.message })),
      notes: [],
    };
  const raw = parsed.value;
  if (!isMap(raw)) return { problems: [{ line: 1, field: '(root)', message: 'a compose file is a map' }], notes: [] };
  const { value, missing } = interpolate(raw, options.variables ?? {});
  const root = value as Record<string, unknown>;
  const report = new ComposeReport(parsed.lineOf, raw);
  for (const name of missing)
    report.problem([], `\${${name}} is used but has no value (set it in the stack’s variables)`);
  for (const key of Object.keys(root)) {
    if (key === 'include' || key === 'extends')
      report.problem([key], `${key} reads other files; Berth deploys one self-contained file`);
    else if (key === 'secrets' || key === 'configs')
      report.problem([key], `top-level ${key} read files from the host; Berth refuses them`);
    else if (!TOP_LEVEL.has(key) && !key.startsWith('x-'))
      report.problem([key], `${key} is not a compose section Berth knows`);
  }
  const services = root.services;
  if (!isMap(services) || Object.keys(services).length === 0) {
    report.problem(['services'], 'a compose file needs at least one service under services:');
    return { problems: report.problems, notes: report.notes };
  }
  const volumes = topLevelVolumes(root.volumes, report);
  const networks = topLevelNetworks(root.networks, report);
  const context = {
    services: new Set(Object.keys(services)),
    networks: new Set(networks),
    ...(options.composeDir !== undefined ? { composeDir: options.composeDir } : {}),
    mounts: { volumes: new Set(volumes), allowedHostPaths: options.allowedHostPaths ?? [] },
  };
  const stackServices: StackService[] = [];
  for (const [name, spec] of Object.entries(services)) {
    if (!SERVICE_NAME.test(name)) {
      report.problem(
        ['services', name],
        `${name}: service names are lowercase letters, digits and dashes (at most 31)`,
      );
      continue;
    }
    if (!isMap(spec)) {
      report.problem(['services', name], `${name} must be a map of options`);
      continue;
    }
    checkServiceKeys(name, spec, report, options.composeDir !== undefined);
    stackServices.push(readService(name, spec, context, report));
  }
  const cycle = findCycle(stackServices);
  if (cycle)
    report.problem(['services', cycle[0]!, 'depends_on'], `depends_on goes round in a circle: ${cycle.join(' → ')}`);
  if (report.problems.length > 0) return { problems: report.problems, notes: report.notes };
  const internal = internalNetworks(root.networks, networks);
  return {
    problems: [],
    notes: report.notes,
    stack: {
      services: stackServices,
      volumes,
      networks,
      ...(internal.length > 0 ? { internalNetworks: internal } : {}),
    },
  };
}

/** The services in an order where each comes after everything it depends on (the input has no cycle). */
export function startOrder(services: readonly StackService[]): StackService[] {
  const byName = new Map(services.map((service) => [service.name, service]));
  const done = new Set<string>();
  const order: StackService[] = [];
  const visit = (service: StackService): void => {
    if (done.has(service.name)) return;
    done.add(service.name);
    for (const dependency of service.dependsOn) visit(byName.get(dependency.service)!);
    order.push(service);
  };
  services.forEach(visit);
  return order;
}

function findCycle(services: readonly StackService[]): string[] | undefined {
  const byName = new Map(services.map((service) => [service.name, service]));
  const state = new Map<string, 'open' | 'done'>();
  const walk = (name: string, trail: string[]): string[] | undefined => {
    if (state.get(name) === 'open') return [...trail.slice(trail.indexOf(name)), name];
    if (state.get(name) === 'done') return undefined;
    state.set(name, 'open');
    for (const dependency of byName.get(name)?.dependsOn ?? []) {
      const found = walk(dependency.service, [...trail, name]);
      if (found) return found;
    }
    state.set(name, 'done');
    return undefined;
  };
  for (const service of services) {
    const found = walk(service.name, []);
    if (found) return found;
  }
  return undefined;
}
