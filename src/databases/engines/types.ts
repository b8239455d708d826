/**
 * What Berth needs to know about one database engine, as data and argv arrays (never shell strings):
 * the image's environment contract, its health check, the variables apps get, and the engine's own
 * dump/restore/inspect tools. One file per engine implements this; ./index.ts lists them.
 */
import type { ContainerFile } from '../../runtime/runtime.js';

export const ENGINE_NAMES = ['postgres', 'mysql', 'mariadb', 'redis', 'mongo'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** Generated once at create time; stored encrypted (src/lib/secret-box.ts). */
export interface DatabaseCredentials {
  user: string;
  password: string;
  /** Database (schema) name inside the engine; unused by redis. */
  database: string;
  /** Administrator password where the image wants one (mysql/mariadb root, mongo root). */
  rootPassword: string;
}

/** A tool run inside the database's container: argv plus the environment that carries any password. */
export interface ToolCommand {
  argv: string[];
  env: Record<string, string>;
  /**
   * A file written into the container before the command runs (via stdin, never argv), for tools that
   * take a password only from a file (mongo's --config).
   */
  secretFile?: { path: string; content: string };
}

/** How a dump goes back in: streamed to a tool's stdin, or copied over the data file and the server restarted. */
export type RestoreMethod =
  { kind: 'stdin'; command: ToolCommand } | { kind: 'data-file'; path: string; shutdown: ToolCommand };

/** A snapshot taken by the server itself before the dump can be read (redis BGSAVE). */
export interface SnapshotStep {
  trigger: ToolCommand;
  /** Polled until `isDone` says so. */
  progress: ToolCommand;
  /** `before` is the output of `progress` just before the trigger. */
  isDone(output: string, before: string): boolean;
}

export interface EngineDefinition {
  name: EngineName;
  label: string;
  port: number;
  /** Where the image keeps its data (the named volume's mount point). */
  dataDir: string;
  /** Versions offered in the panel; the image tag is the version. */
  versions: readonly string[];
  /** Key of the `BERTH_DB_IMAGE_<ENGINE>` default and the version used when none is chosen. */
  defaultImage: string;
  /** Extension of the (gzip-compressed) dump file, without `.gz`. */
  dumpExtension: string;
  /** The image's own unprivileged user: tools (dump, restore, inspect) run as it, never as root. */
  toolUser: string;
  containerEnv(c: DatabaseCredentials): Record<string, string>;
  containerCmd(c: DatabaseCredentials): string[] | undefined;
  /** Files the server reads at start (a config holding its password, kept off the command line). */
  containerFiles?(c: DatabaseCredentials): ContainerFile[];
  healthcheck(c: DatabaseCredentials): string[];
  /** Variables an app gets through `${{<db>.<VAR>}}`; `host` is the database's name on the project network. */
  connectionVariables(host: string, port: number, c: DatabaseCredentials): Record<string, string>;
  /** Writes the dump to stdout. */
  dump(c: DatabaseCredentials): ToolCommand;
  snapshot?(c: DatabaseCredentials): SnapshotStep;
  restore(c: DatabaseCredentials): RestoreMethod;
  /** Prints what a verification compares: `<name>\t<count>` lines (tables and rows, or keys). */
  inspect(c: DatabaseCredentials): ToolCommand;
  /** Reads the inspect command's output as name → count. */
  parseInspect(output: string): Record<string, number>;
}

/** Parses `<name>\t<count>` lines from an engine's inspect command. */
export function parseCounts(output: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of output.split('\n')) {
    const match = /^([^\t]+)\t(\d+)\r?$/.exec(line);
    if (match) counts[match[1]!] = Number(match[2]);
  }
  return counts;
}
