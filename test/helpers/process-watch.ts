/**
 * Looks at processes through /proc (Linux), for tests that must prove something about processes they
 * did not start themselves: no secret in any argv, temp dirs gone, no stray git left running.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WatchedProcesses {
  /** How many sightings of git/ssh processes working in the watched directory. */
  gitProcesses: number;
  /** argv (spaces for NULs) of every process whose argv contained a secret. */
  argvLeaks: string[];
  /** HOME values of the git processes seen in the directory. */
  homes: Set<string>;
}

async function pids(): Promise<string[]> {
  return (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
}

/** Polls /proc while a fetch runs: argv of every process, and the environment of git processes in `dir`. */
export function watchProcesses(dir: string, secrets: string[]): () => Promise<WatchedProcesses> {
  const seen: WatchedProcesses = { gitProcesses: 0, argvLeaks: [] as string[], homes: new Set<string>() };
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const pid of await pids()) {
        try {
          const argv = (await readFile(`/proc/${pid}/cmdline`)).toString().split('\0').join(' ');
          if (secrets.some((secret) => argv.includes(secret))) seen.argvLeaks.push(argv);
          if (!/\bgit\b|git-remote|\bssh\b/.test(argv) || (await readlink(`/proc/${pid}/cwd`)) !== dir) continue;
          seen.gitProcesses++;
          const home = /(?:^|\0)HOME=([^\0]*)/.exec((await readFile(`/proc/${pid}/environ`)).toString());
          if (home) seen.homes.add(home[1]!);
        } catch {
          // the process ended while we looked
        }
      }
      await sleep(1);
    }
  })();
  return async () => {
    running = false;
    await loop;
    return seen;
  };
}

/** argv of the processes whose argv contains `text`. */
export async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await pids()) {
    const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (argv.includes(text)) found.push(argv.split('\0').join(' '));
  }
  return found;
}
