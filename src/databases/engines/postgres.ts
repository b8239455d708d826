/**
 * PostgreSQL on the official image's contract (POSTGRES_USER/PASSWORD/DB). Tools connect over TCP to
 * 127.0.0.1 with PGPASSWORD in the exec environment, so a wrong password fails like it would for an app.
 */
import { parseCounts, type DatabaseCredentials, type EngineDefinition, type ToolCommand } from './types.js';

function tool(c: DatabaseCredentials, argv: string[]): ToolCommand {
  return { argv, env: { PGPASSWORD: c.password } };
}

const connect = (c: DatabaseCredentials) => ['-h', '127.0.0.1', '-p', '5432', '-U', c.user];

/** Every user table with its exact row count, via query_to_xml so one statement counts them all. */
export const POSTGRES_COUNT_SQL = `select table_schema || '.' || table_name, (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', table_schema, table_name), false, true, '')))[1]::text from information_schema.tables where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1`;

export const postgres: EngineDefinition = {
  name: 'postgres',
  label: 'PostgreSQL',
  port: 5432,
  dataDir: '/var/lib/postgresql/data',
  versions: ['17', '16', '15', '14'],
  defaultImage: 'postgres:16',
  dumpExtension: 'pgdump',
  toolUser: 'postgres',
  containerEnv: (c) => ({ POSTGRES_USER: c.user, POSTGRES_PASSWORD: c.password, POSTGRES_DB: c.database }),
  containerCmd: () => undefined,
  healthcheck: (c) => ['pg_isready', '-h', '127.0.0.1', '-p', '5432', '-U', c.user, '-d', c.database],
  connectionVariables(host, port, c) {
    const url = `postgresql://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${host}:${port}/${encodeURIComponent(c.database)}`;
    return {
      DATABASE_URL: url,
      POSTGRES_URL: url,
      PGHOST: host,
      PGPORT: String(port),
      PGUSER: c.user,
      PGPASSWORD: c.password,
      PGDATABASE: c.database,
    };
  },
  dump: (c) => tool(c, ['pg_dump', ...connect(c), '-Fc', '-d', c.database]),
  restore: (c) => ({
    kind: 'stdin',
    // --clean --if-exists replaces what the dump contains; one transaction, so a failure changes nothing.
    command: tool(c, [
      'pg_restore',
      ...connect(c),
      '-d',
      c.database,
      '--clean',
      '--if-exists',
      '--no-owner',
      '--single-transaction',
      '--exit-on-error',
    ]),
  }),
  inspect: (c) =>
    tool(c, [
      'psql',
      ...connect(c),
      '-d',
      c.database,
      '-X',
      '-v',
      'ON_ERROR_STOP=1',
      '-A',
      '-t',
      '-F',
      '\t',
      '-c',
      POSTGRES_COUNT_SQL,
    ]),
  parseInspect: parseCounts,
};
