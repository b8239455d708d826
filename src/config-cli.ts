/**
 * Settings of the developer commands (`berth login`, `up`, …), read by src/config.ts (still the only
 * reader of the environment). They run on a laptop, not beside a daemon: none of the server's settings
 * apply, so they are read apart from loadConfig.
 */
import { isAbsolute, join, resolve } from 'node:path';

type Env = Record<string, string | undefined>;

export interface CliClientSettings {
  /** Where credentials.json lives: BERTH_CLI_CONFIG_DIR, else $XDG_CONFIG_HOME/berth, else ~/.config/berth. */
  readonly configDir: string;
  /** The working directory `link` and `up` act on. */
  readonly cwd: string;
}

export function readCliClientSettings(env: Env, home: string, cwd: string): CliClientSettings {
  const explicit = env.BERTH_CLI_CONFIG_DIR;
  const xdg = env.XDG_CONFIG_HOME;
  const configDir = explicit
    ? resolve(cwd, explicit)
    : xdg && isAbsolute(xdg)
      ? join(xdg, 'berth')
      : join(home, '.config', 'berth');
  return Object.freeze({ configDir, cwd });
}
