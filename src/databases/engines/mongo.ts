/**
 * MongoDB (official mongo image, MONGO_INITDB_ROOT_USERNAME/PASSWORD). The tools take a password only
 * on argv or from a --config file, so it goes into a file written through stdin (never argv).
 * No mongo image can be built on the test machine: this file is covered by unit tests of its commands.
 */
import { parseCounts, type DatabaseCredentials, type EngineDefinition, type ToolCommand } from './types.js';

// (Names new in the run-as-mongodb version: a root-owned file of the same name left by an older Berth
// could not be overwritten by the tool user.)
const TOOL_CONFIG = '/tmp/berth-mongo-tool-config.yaml';
const PASSWORD_FILE = '/tmp/berth-mongo-tool-password';

function yamlString(value: string): string {
  return JSON.stringify(value); // a JSON string is a valid YAML double-quoted scalar
}

function tool(c: DatabaseCredentials, argv: string[]): ToolCommand {
  return {
    argv: [...argv, '--config', TOOL_CONFIG],
    env: {},
    secretFile: { path: TOOL_CONFIG, content: `password: ${yamlString(c.password)}\n` },
  };
}

const connect = (c: DatabaseCredentials) => [
  '--host',
  '127.0.0.1',
  '--port',
  '27017',
  '--username',
  c.user,
  '--authenticationDatabase',
  'admin',
];

/** mongosh script printing `<collection>\t<count>` for the app database; the password is read from a file. */
function countScript(c: DatabaseCredentials): string {
  return [
    `const pw = require('fs').readFileSync(${JSON.stringify(PASSWORD_FILE)}, 'utf8');`,
    `const conn = new Mongo('mongodb://127.0.0.1:27017/?authSource=admin');`,
    `conn.getDB('admin').auth(${JSON.stringify(c.user)}, pw);`,
    `const d = conn.getDB(${JSON.stringify(c.database)});`,
    `d.getCollectionNames().sort().forEach((n) => print(n + '\\t' + d.getCollection(n).countDocuments()));`,
  ].join(' ');
}

export const mongo: EngineDefinition = {
  name: 'mongo',
  label: 'MongoDB',
  port: 27017,
  dataDir: '/data/db',
  versions: ['7', '6'],
  defaultImage: 'mongo:7',
  dumpExtension: 'archive',
  toolUser: 'mongodb',
  containerEnv: (c) => ({
    MONGO_INITDB_ROOT_USERNAME: c.user,
    MONGO_INITDB_ROOT_PASSWORD: c.password,
    MONGO_INITDB_DATABASE: c.database,
  }),
  containerCmd: () => undefined,
  healthcheck: () => ['mongosh', '--quiet', '--norc', '--eval', 'db.adminCommand("ping").ok'],
  connectionVariables(host, port, c) {
    const url = `mongodb://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${host}:${port}/${encodeURIComponent(c.database)}?authSource=admin`;
    return {
      MONGO_URL: url,
      DATABASE_URL: url,
      MONGOHOST: host,
      MONGOPORT: String(port),
      MONGOUSER: c.user,
      MONGOPASSWORD: c.password,
    };
  },
  dump: (c) => tool(c, ['mongodump', ...connect(c), '--db', c.database, '--archive']),
  restore: (c) => ({
    kind: 'stdin',
    command: tool(c, ['mongorestore', ...connect(c), '--archive', '--drop', '--nsInclude', `${c.database}.*`]),
  }),
  inspect: (c) => ({
    argv: ['mongosh', '--quiet', '--norc', '--nodb', '--eval', countScript(c)],
    env: {},
    secretFile: { path: PASSWORD_FILE, content: c.password },
  }),
  parseInspect: parseCounts,
};
