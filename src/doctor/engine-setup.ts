/**
 * First run without a Docker engine: one clear line saying what is missing and how to get it, and, on
 * request (`berth serve --install-docker`), what scripts/install.sh does on Debian and Ubuntu as root:
 * install the distribution's docker.io package and start the engine. The decision and the commands
 * are pure (tested without installing anything); installEngine runs them.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { runProgram, startDetached } from '../lib/exec.js';
import { DockerRuntime } from '../runtime/docker.js';

const ENGINE_START_TIMEOUT_MS = 30_000;

/** What the decision depends on, read once from the machine (readHostFacts) or given by tests. */
export interface HostFacts {
  isRoot: boolean;
  /** ID and ID_LIKE of /etc/os-release, e.g. ['ubuntu', 'debian']. */
  osIds: string[];
  /** systemd runs the machine (it can start the docker service). */
  hasSystemd: boolean;
}

export function readHostFacts(): HostFacts {
  let osIds: string[] = [];
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const field = (name: string) => new RegExp(`^${name}=["']?([^"'\\n]*)`, 'm').exec(text)?.[1] ?? '';
    osIds = `${field('ID')} ${field('ID_LIKE')}`.split(/\s+/).filter(Boolean);
  } catch {
    // No os-release: not a distribution Berth can install packages on.
  }
  return {
    isRoot: process.getuid?.() === 0,
    osIds,
    hasSystemd: existsSync('/run/systemd/system'),
  };
}

export function isDebianLike(host: HostFacts): boolean {
  return host.osIds.includes('debian') || host.osIds.includes('ubuntu');
}

export type EngineDecision =
  | { action: 'none' }
  | { action: 'install' }
  /** Cannot install here: `why` says so, and the message says what to do instead. */
  | { action: 'explain'; why?: string };

/** What to do about the engine at start. `wantsInstall` is the --install-docker flag. */
export function decideEngineSetup(engineAvailable: boolean, wantsInstall: boolean, host: HostFacts): EngineDecision {
  if (engineAvailable) return { action: 'none' };
  if (!wantsInstall) return { action: 'explain' };
  if (!host.isRoot) return { action: 'explain', why: '--install-docker needs root' };
  if (!isDebianLike(host)) return { action: 'explain', why: '--install-docker knows Debian and Ubuntu only' };
  return { action: 'install' };
}

/** The one line printed when there is no engine: what is missing, and the fix that fits this machine. */
export function missingEngineMessage(reason: string, host: HostFacts, why?: string): string {
  const fix =
    host.isRoot && isDebianLike(host)
      ? 'install it with `apt-get install docker.io` and start it, or restart Berth with `berth serve --install-docker` to have Berth do that'
      : isDebianLike(host)
        ? 'install it with `sudo apt-get install docker.io` and start it (`sudo systemctl start docker`)'
        : "install Docker Engine with your system's packages and start it";
  const whyText = why ? ` (${why})` : '';
  return `No Docker engine: ${reason}. Berth needs one to build and run apps: ${fix}${whyText}. Berth connects on its own once it runs.`;
}

export interface InstallStep {
  command: string;
  args: string[];
  /** Started and left running (dockerd without a service manager). */
  detached?: boolean;
}

/** The commands of scripts/install.sh's Docker part, as argv. */
export function engineInstallSteps(host: HostFacts): InstallStep[] {
  const steps: InstallStep[] = [
    { command: 'apt-get', args: ['update', '-qq'] },
    { command: 'apt-get', args: ['install', '-y', '-qq', '--no-install-recommends', 'docker.io'] },
  ];
  steps.push(
    host.hasSystemd
      ? { command: 'systemctl', args: ['enable', '--now', 'docker'] }
      : { command: 'dockerd', args: [], detached: true },
  );
  return steps;
}

/** Runs the install steps, reporting each; throws with the failing command's last output line. */
export async function installEngine(host: HostFacts, say: (line: string) => void): Promise<void> {
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    DEBIAN_FRONTEND: 'noninteractive',
  };
  for (const step of engineInstallSteps(host)) {
    say(`running ${[step.command, ...step.args].join(' ')}`);
    if (step.detached) {
      startDetached(step.command, step.args, { env, logFile: '/var/log/berth-dockerd.log' });
      continue;
    }
    const result = await runProgram(step.command, step.args, { env });
    if (result.exitCode !== 0) {
      const last = result.output.trim().split('\n').at(-1) ?? '';
      throw new Error(`${step.command} ${step.args[0] ?? ''} failed (exit ${result.exitCode}): ${last}`);
    }
  }
}

async function engineAnswers(config: Config): Promise<boolean> {
  const runtime = new DockerRuntime(config.docker);
  await runtime.start();
  runtime.stop();
  return runtime.state().available;
}

/**
 * `berth serve --install-docker`: when no engine answers, installs and starts one (root on Debian or
 * Ubuntu), or says why it cannot. Without the flag it does nothing: the daemon logs the missing-engine
 * line itself. Never throws: the daemon starts either way and connects once an engine runs.
 */
export async function prepareEngine(config: Config, wantsInstall: boolean, say: (line: string) => void): Promise<void> {
  if (!wantsInstall) return;
  const host = readHostFacts();
  const decision = decideEngineSetup(await engineAnswers(config), wantsInstall, host);
  if (decision.action === 'none') return;
  if (decision.action === 'explain') {
    say(`Not installing Docker: ${decision.why ?? 'not possible here'}.`);
    return;
  }
  say('No Docker engine answers: installing docker.io and starting it (as scripts/install.sh does)');
  try {
    await installEngine(host, (line) => say(`  ${line}`));
  } catch (error) {
    say(`Installing Docker failed: ${(error as Error).message}`);
    return;
  }
  const deadline = Date.now() + ENGINE_START_TIMEOUT_MS;
  while (!(await engineAnswers(config))) {
    if (Date.now() > deadline) {
      say('Docker was installed but did not answer within 30 s (see /var/log/berth-dockerd.log).');
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  say('Docker is running.');
}
