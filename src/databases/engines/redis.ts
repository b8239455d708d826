/**
 * Redis (official redis image): the password is in a config file put into the container before it
 * starts (never on its command line, which `ps` and `docker inspect` show); tools get it from
 * REDISCLI_AUTH, never argv. A dump is the server's own RDB snapshot (BGSAVE, then the file); a restore
 * puts the file back in place and restarts the server without saving, so it loads the file.
 */
import type { DatabaseCredentials, EngineDefinition, ToolCommand } from './types.js';

const RDB_PATH = '/data/dump.rdb';
const CONFIG_DIRECTORY = '/etc';
const CONFIG_NAME = 'berth-redis.conf';

/** A redis config string: double-quoted, with backslash and quote escaped (passwords are base64url anyway). */
function configString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function cli(c: DatabaseCredentials, ...args: string[]): ToolCommand {
  return { argv: ['redis-cli', '-h', '127.0.0.1', '-p', '6379', ...args], env: { REDISCLI_AUTH: c.password } };
}

/** A field of `INFO persistence` output. */
export function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

export const redis: EngineDefinition = {
  name: 'redis',
  label: 'Redis',
  port: 6379,
  dataDir: '/data',
  versions: ['7', '7.2', '6.2'],
  defaultImage: 'redis:7',
  dumpExtension: 'rdb',
  // REDISCLI_AUTH lets the health check's redis-cli authenticate without the password on its argv.
  containerEnv: (c) => ({ REDISCLI_AUTH: c.password }),
  // RDB snapshots on (the default save points) and no AOF, so the dump file alone is the data.
  containerCmd: () => ['redis-server', `${CONFIG_DIRECTORY}/${CONFIG_NAME}`, '--appendonly', 'no'],
  // Owned by root and readable by all: the server drops to the redis user, whose uid differs between
  // images; only processes inside the container (which already see REDISCLI_AUTH) can read it.
  containerFiles: (c) => [
    {
      directory: CONFIG_DIRECTORY,
      name: CONFIG_NAME,
      content: `requirepass ${configString(c.password)}\n`,
      mode: 0o644,
    },
  ],
  toolUser: 'redis',
  healthcheck: () => ['redis-cli', '-h', '127.0.0.1', '-p', '6379', 'ping'],
  connectionVariables(host, port, c) {
    const url = `redis://default:${encodeURIComponent(c.password)}@${host}:${port}`;
    return { REDIS_URL: url, DATABASE_URL: url, REDISHOST: host, REDISPORT: String(port), REDISPASSWORD: c.password };
  },
  snapshot: (c) => ({
    trigger: cli(c, 'BGSAVE'),
    progress: cli(c, 'INFO', 'persistence'),
    // LASTSAVE has 1-second resolution; the saves counter moves on each finished snapshot.
    isDone: (output, before) =>
      infoField(output, 'rdb_bgsave_in_progress') === '0' &&
      Number(infoField(output, 'rdb_saves') ?? 0) > Number(infoField(before, 'rdb_saves') ?? 0),
  }),
  dump: () => ({ argv: ['cat', RDB_PATH], env: {} }),
  restore: (c) => ({ kind: 'data-file', path: RDB_PATH, shutdown: cli(c, 'SHUTDOWN', 'NOSAVE') }),
  // One line per logical database: `db0\t<keys>` (from INFO keyspace, reshaped by the caller).
  inspect: (c) => cli(c, 'INFO', 'keyspace'),
  parseInspect: (output) => parseKeyspace(output),
};

/** `db0:keys=3,expires=0,avg_ttl=0` lines → `{ db0: 3 }`. */
export function parseKeyspace(info: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of info.matchAll(/^(db\d+):keys=(\d+)/gm)) counts[match[1]!] = Number(match[2]);
  return counts;
}
