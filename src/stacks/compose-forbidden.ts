/**
 * The options of a compose service that would hand a container the host, and the allow-list of the keys
 * Berth runs at all. Checked on each service after anchors and `<<` merges are resolved, so no syntax
 * (short, long, `x-` anchors) slips past. A key neither allowed nor forbidden here is refused too.
 */
import type { YamlPath } from '../lib/yaml-document.js';
import { PASTED_ENV_FILE } from './compose-env-file.js';
import type { ComposeReport } from './compose-report.js';

/** Keys Berth reads (compose-service.ts) or accepts as harmless. */
export const SERVICE_KEYS = new Set([
  'image',
  'build',
  'environment',
  'command',
  'entrypoint',
  'ports',
  'expose',
  'volumes',
  'networks',
  'depends_on',
  'healthcheck',
  'restart',
  'labels',
  'user',
  'working_dir',
  // Accepted and not used (Berth names, places and stops containers itself).
  'container_name',
  'hostname',
  'stop_grace_period',
  'stop_signal',
  'init',
  'tty',
  'stdin_open',
  'platform',
  'pull_policy',
  'deploy',
  'logging',
  'read_only',
  'tmpfs',
  'shm_size',
  'mem_limit',
  'cpus',
  'extra_hosts',
  'links',
  'domainname',
  'privileged',
  'network_mode',
  'pid',
  'ipc',
  'uts',
  'userns_mode',
  'security_opt',
  'env_file',
]);

/** Keys refused whatever their value, and why. */
const ALWAYS_REFUSED: Record<string, string> = {
  cap_add: 'cap_add gives the container kernel capabilities beyond Docker’s default set; Berth refuses any',
  devices: 'devices maps host devices into the container; Berth refuses it',
  device_cgroup_rules: 'device_cgroup_rules opens host devices to the container; Berth refuses it',
  volumes_from: 'volumes_from mounts another container’s volumes (possibly not this stack’s); Berth refuses it',
  cgroup_parent: 'cgroup_parent places the container in a host cgroup; Berth refuses it',
  cgroup: 'cgroup: host shares the host’s cgroup namespace; Berth refuses it',
  sysctls: 'sysctls change kernel settings; Berth refuses them',
  extends: 'extends reads another file or service definition; Berth deploys one self-contained file',
  external_links: 'external_links reach containers outside the stack; Berth refuses them',
  secrets: 'secrets read files from the host; put the values in the stack’s variables instead',
  configs: 'configs read files from the host; Berth refuses them',
  runtime: 'runtime chooses another container runtime; Berth refuses it',
  oom_kill_disable: 'oom_kill_disable lets a container take the host’s memory; Berth refuses it',
  gpus: 'gpus maps host devices into the container; Berth refuses it',
};

const NAMESPACE_KEYS = ['network_mode', 'pid', 'ipc', 'uts', 'userns_mode'] as const;

/** `hasFiles`: the file comes from a repository, so `env_file:` may be read (compose-env-file.ts checks it). */
export function checkServiceKeys(
  name: string,
  service: Record<string, unknown>,
  report: ComposeReport,
  hasFiles = false,
): void {
  const at = (...rest: (string | number)[]): YamlPath => ['services', name, ...rest];
  for (const [key, value] of Object.entries(service)) {
    if (key in ALWAYS_REFUSED) report.problem(at(key), ALWAYS_REFUSED[key]!);
    else if (key.startsWith('x-')) continue;
    else if (!SERVICE_KEYS.has(key)) report.problem(at(key), `${key} is not an option Berth runs`);
    else if (key === 'privileged' && value !== false)
      report.problem(at(key), 'privileged: true gives the container the host; Berth refuses it');
    else if ((NAMESPACE_KEYS as readonly string[]).includes(key)) checkNamespace(key, value, at(key), report);
    else if (key === 'security_opt') checkSecurityOptions(value, at(key), report);
    else if (key === 'env_file' && !hasFiles) report.problem(at(key), PASTED_ENV_FILE);
  }
}

function checkNamespace(key: string, value: unknown, path: YamlPath, report: ComposeReport): void {
  const mode = String(value);
  if (key === 'network_mode') {
    if (mode === 'none') return;
    const what = mode === 'host' ? 'the host’s network' : `the network of ${mode}`;
    report.problem(path, `network_mode: ${mode} joins ${what}; Berth puts every service on the stack’s network`);
    return;
  }
  if (key === 'ipc' && (mode === 'private' || mode === 'shareable')) return;
  if (mode === 'host') report.problem(path, `${key}: host shares the host’s namespace; Berth refuses it`);
  else if (/^(service|container):/.test(mode))
    report.problem(path, `${key}: ${mode} shares another container’s namespace; Berth refuses it`);
  else report.problem(path, `${key}: ${mode} is not a mode Berth runs`);
}

/** Only `no-new-privileges` is accepted: every other option loosens or replaces the container's confinement. */
function checkSecurityOptions(value: unknown, path: YamlPath, report: ComposeReport): void {
  if (!Array.isArray(value)) {
    report.problem(path, 'security_opt must be a list');
    return;
  }
  value.forEach((option, index) => {
    const text = String(option).trim();
    if (/^no-new-privileges([:=]true)?$/.test(text)) return;
    if (/unconfined/.test(text))
      report.problem([...path, index], `security_opt ${text} turns off the container’s confinement; Berth refuses it`);
    else if (/^label[:=]disable$/.test(text))
      report.problem([...path, index], `security_opt ${text} turns off SELinux labels; Berth refuses it`);
    else report.problem([...path, index], `security_opt ${text} is not an option Berth runs (only no-new-privileges)`);
  });
}
