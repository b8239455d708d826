/**
 * Volumes and networks of a compose file. A service mounts named volumes of the stack, anonymous volumes
 * and tmpfs; a bind mount (short `/host:/ctr`, `./x:/y`, `~/x:/y`, or long `type: bind`) only of a host
 * folder inside the allow-list, and never a Docker socket. Top-level volumes and networks are the stack's
 * own: `external`, host-binding `driver_opts` and other drivers are refused.
 */
import { posix } from 'node:path';
import type { YamlPath } from '../lib/yaml-document.js';
import { isMap, type ComposeReport } from './compose-report.js';
import type { StackVolumeMount } from './compose.types.js';

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
const NETWORK_NAME = VOLUME_NAME;

export interface MountRules {
  volumes: ReadonlySet<string>;
  allowedHostPaths: readonly string[];
}

export function serviceMounts(
  value: unknown,
  path: YamlPath,
  rules: MountRules,
  report: ComposeReport,
): StackVolumeMount[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    report.problem(path, 'volumes must be a list');
    return [];
  }
  const mounts: StackVolumeMount[] = [];
  value.forEach((entry, index) => {
    const mount = typeof entry === 'string' ? shortMount(entry) : longMount(entry);
    const at = [...path, index];
    if (typeof mount === 'string') report.problem(at, mount);
    else if (mount.type === 'bind' && !isBindAllowed(mount.source, at, rules, report)) return;
    else if (mount.type === 'volume' && mount.source !== '' && !rules.volumes.has(mount.source))
      report.problem(at, `volume ${mount.source} is not declared under the top-level volumes:`);
    else if (!mount.target.startsWith('/'))
      report.problem(at, `the mount target ${mount.target} must be an absolute path`);
    else mounts.push(mount);
  });
  return mounts;
}

/** `target`, `source:target`, `source:target:ro|rw|z|Z|…`; a source with a `/`, `.` or `~` is a host path. */
function shortMount(text: string): StackVolumeMount | string {
  const parts = text.split(':');
  if (parts.length > 3 || parts.some((part) => part === '')) return `the volume ${text} is not source:target[:mode]`;
  if (parts.length === 1) return { type: 'volume', source: '', target: parts[0]!, readOnly: false };
  const [source, target, mode = 'rw'] = parts as [string, string, string?];
  const readOnly = mode.split(',').includes('ro');
  if (isHostPath(source)) return { type: 'bind', source, target, readOnly };
  return { type: 'volume', source, target, readOnly };
}

function longMount(entry: unknown): StackVolumeMount | string {
  if (!isMap(entry)) return 'a volume is a string or a map with type, source and target';
  const type = entry.type;
  const source = typeof entry.source === 'string' ? entry.source : '';
  const target = typeof entry.target === 'string' ? entry.target : '';
  const readOnly = entry.read_only === true;
  if (!target) return 'a volume needs a target';
  if (type === 'bind') return { type: 'bind', source, target, readOnly };
  if (type === 'volume') {
    if (source && isHostPath(source)) return { type: 'bind', source, target, readOnly };
    return { type: 'volume', source, target, readOnly };
  }
  if (type === 'tmpfs') return { type: 'tmpfs', source: '', target, readOnly: false };
  return `volume type ${String(type)} is not one Berth runs (volume, tmpfs, or an allowed bind)`;
}

function isHostPath(source: string): boolean {
  return source.includes('/') || source.startsWith('.') || source.startsWith('~') || !VOLUME_NAME.test(source);
}

function isBindAllowed(source: string, path: YamlPath, rules: MountRules, report: ComposeReport): boolean {
  if (/docker\.sock/.test(source)) {
    report.problem(
      path,
      `binding ${source} gives the container the Docker engine (root on the host); Berth refuses it`,
    );
    return false;
  }
  const absolute = source.startsWith('/') ? posix.normalize(source) : undefined;
  const allowed =
    absolute !== undefined &&
    rules.allowedHostPaths.some(
      (root) => absolute === root || absolute.startsWith(root.endsWith('/') ? root : `${root}/`),
    );
  if (!allowed)
    report.problem(
      path,
      `binding the host path ${source} is refused: only named volumes are allowed${
        rules.allowedHostPaths.length > 0 ? ` (or folders under ${rules.allowedHostPaths.join(', ')})` : ''
      }`,
    );
  return allowed;
}

/** Top-level `volumes:` → the names the stack creates. */
export function topLevelVolumes(value: unknown, report: ComposeReport): string[] {
  return topLevel('volumes', value, report, (name, spec, at) => {
    const driver = spec.driver ?? 'local';
    if (driver !== 'local') report.problem([...at, 'driver'], `volume driver ${String(driver)} is not one Berth runs`);
    if (spec.driver_opts !== undefined) {
      const opts = isMap(spec.driver_opts) ? spec.driver_opts : {};
      const binds = /\bbind\b/.test(String(opts.o ?? '')) || opts.device !== undefined || opts.type !== undefined;
      report.problem(
        [...at, 'driver_opts'],
        binds
          ? `volume ${name} binds a host path through driver_opts; Berth refuses it`
          : `driver_opts of volume ${name} are not supported`,
      );
    }
  });
}

const NETWORK_KEYS = new Set(['driver', 'internal', 'external', 'name', 'labels', 'attachable', 'enable_ipv6']);

/** Top-level `networks:` → the names the stack creates (one bridge network each, the stack's own). */
export function topLevelNetworks(value: unknown, report: ComposeReport): string[] {
  return topLevel('networks', value, report, (name, spec, at) => {
    const driver = spec.driver ?? 'bridge';
    if (driver !== 'bridge')
      report.problem([...at, 'driver'], `network driver ${String(driver)} is not one Berth runs (only bridge)`);
    if (spec.internal !== undefined && typeof spec.internal !== 'boolean')
      report.problem([...at, 'internal'], 'internal must be true or false');
    for (const key of Object.keys(spec))
      if (!NETWORK_KEYS.has(key)) report.problem([...at, key], `${key} of network ${name} is not supported`);
  });
}

/** The declared networks with `internal: true` (checked by topLevelNetworks). */
export function internalNetworks(value: unknown, declared: readonly string[]): string[] {
  if (!isMap(value)) return [];
  return declared.filter((name) => {
    const spec = value[name];
    return isMap(spec) && spec.internal === true;
  });
}

function topLevel(
  kind: 'volumes' | 'networks',
  value: unknown,
  report: ComposeReport,
  check: (name: string, spec: Record<string, unknown>, at: YamlPath) => void,
): string[] {
  if (value === undefined || value === null) return [];
  if (!isMap(value)) {
    report.problem([kind], `${kind} must be a map of names`);
    return [];
  }
  const names: string[] = [];
  for (const [name, raw] of Object.entries(value)) {
    const at = [kind, name];
    const spec = raw === null || raw === undefined ? {} : raw;
    if (!(kind === 'volumes' ? VOLUME_NAME : NETWORK_NAME).test(name))
      report.problem(at, `${name} is not a valid name`);
    else if (!isMap(spec)) report.problem(at, `${name} must be a map`);
    else if (spec.external !== undefined && spec.external !== false)
      report.problem([...at, 'external'], `external ${kind} belong to something else on the host; Berth refuses them`);
    else {
      if (spec.name !== undefined)
        report.note(`${kind} names are Berth’s own (per stack): name: ${String(spec.name)} is ignored`);
      check(name, spec, at);
      names.push(name);
    }
  }
  return names;
}
