/**
 * The commands each engine builds (argv arrays, never a shell string) and what they must never carry:
 * a password on argv. Mongo has no image on the test machine, so these unit tests are its coverage.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENGINES, ENGINE_NAMES } from '../../src/databases/engines/index.js';
import { parseKeyspace } from '../../src/databases/engines/redis.js';
import { parseCounts, type DatabaseCredentials } from '../../src/databases/engines/types.js';

const creds: DatabaseCredentials = {
  user: 'app',
  password: 'pw-SECRET-1234',
  database: 'app',
  rootPassword: 'root-SECRET-5678',
};

function argvOf(engine: (typeof ENGINE_NAMES)[number]): string[][] {
  const e = ENGINES[engine];
  const restore = e.restore(creds);
  const snapshot = e.snapshot?.(creds);
  return [
    e.healthcheck(creds),
    e.dump(creds).argv,
    e.inspect(creds).argv,
    restore.kind === 'stdin' ? restore.command.argv : restore.shutdown.argv,
    ...(snapshot ? [snapshot.trigger.argv, snapshot.progress.argv] : []),
  ];
}

describe('database engines', () => {
  for (const name of ENGINE_NAMES) {
    it(`${name}: no password on any argv; passwords travel in env or a file written through stdin`, () => {
      for (const argv of argvOf(name)) {
        const joined = argv.join(' ');
        assert.ok(!joined.includes(creds.password) && !joined.includes(creds.rootPassword), `${name}: ${joined}`);
      }
      const url = ENGINES[name].connectionVariables(name, ENGINES[name].port, creds);
      assert.ok(url.DATABASE_URL!.includes(creds.password), 'the app URL does carry the password');
    });
  }

  it('postgres dumps in custom format over TCP and restores in one transaction', () => {
    const dump = ENGINES.postgres.dump(creds);
    assert.deepEqual(dump.argv, ['pg_dump', '-h', '127.0.0.1', '-p', '5432', '-U', 'app', '-Fc', '-d', 'app']);
    assert.deepEqual(dump.env, { PGPASSWORD: creds.password });
    const restore = ENGINES.postgres.restore(creds);
    assert.equal(restore.kind, 'stdin');
    if (restore.kind === 'stdin') assert.ok(restore.command.argv.includes('--single-transaction'));
    assert.deepEqual(ENGINES.postgres.connectionVariables('db', 5432, creds), {
      DATABASE_URL: 'postgresql://app:pw-SECRET-1234@db:5432/app',
      POSTGRES_URL: 'postgresql://app:pw-SECRET-1234@db:5432/app',
      PGHOST: 'db',
      PGPORT: '5432',
      PGUSER: 'app',
      PGPASSWORD: 'pw-SECRET-1234',
      PGDATABASE: 'app',
    });
  });

  it('mysql uses the mysql* tools and mariadb the mariadb-* ones, both with --single-transaction', () => {
    assert.equal(ENGINES.mysql.dump(creds).argv[0], 'mysqldump');
    assert.equal(ENGINES.mariadb.dump(creds).argv[0], 'mariadb-dump');
    for (const e of [ENGINES.mysql, ENGINES.mariadb]) {
      assert.ok(e.dump(creds).argv.includes('--single-transaction'));
      assert.deepEqual(e.dump(creds).env, { MYSQL_PWD: creds.password });
      assert.equal(e.containerEnv(creds).MYSQL_ROOT_PASSWORD, creds.rootPassword);
    }
  });

  it('mongo: mongodump --archive and mongorestore --archive --drop, the password only in a --config file', () => {
    const dump = ENGINES.mongo.dump(creds);
    assert.deepEqual(dump.argv, [
      'mongodump',
      '--host',
      '127.0.0.1',
      '--port',
      '27017',
      '--username',
      'app',
      '--authenticationDatabase',
      'admin',
      '--db',
      'app',
      '--archive',
      '--config',
      '/tmp/berth-mongo-tool-config.yaml',
    ]);
    assert.deepEqual(dump.secretFile, {
      path: '/tmp/berth-mongo-tool-config.yaml',
      content: 'password: "pw-SECRET-1234"\n',
    });
    const restore = ENGINES.mongo.restore(creds);
    assert.equal(restore.kind, 'stdin');
    if (restore.kind === 'stdin') {
      assert.deepEqual(restore.command.argv.slice(0, 1), ['mongorestore']);
      assert.ok(restore.command.argv.includes('--archive') && restore.command.argv.includes('--drop'));
      assert.deepEqual(restore.command.argv.slice(-4), [
        '--nsInclude',
        'app.*',
        '--config',
        '/tmp/berth-mongo-tool-config.yaml',
      ]);
    }
    const inspect = ENGINES.mongo.inspect(creds);
    assert.equal(inspect.argv[0], 'mongosh');
    assert.deepEqual(inspect.secretFile, { path: '/tmp/berth-mongo-tool-password', content: creds.password });
    assert.equal(ENGINES.mongo.containerEnv(creds).MONGO_INITDB_ROOT_PASSWORD, creds.password);
    assert.equal(
      ENGINES.mongo.connectionVariables('docs', 27017, creds).MONGO_URL,
      'mongodb://app:pw-SECRET-1234@docs:27017/app?authSource=admin',
    );
    assert.deepEqual(ENGINES.mongo.parseInspect('orders\t12\nusers\t3\n'), { orders: 12, users: 3 });
  });

  it('redis: BGSAVE, then waits for the saves counter to move; restore swaps the file and shuts down without saving', () => {
    const snap = ENGINES.redis.snapshot!(creds);
    assert.deepEqual(snap.trigger.argv.slice(-1), ['BGSAVE']);
    assert.deepEqual(snap.trigger.env, { REDISCLI_AUTH: creds.password });
    const before = 'rdb_bgsave_in_progress:0\r\nrdb_saves:3\r\n';
    assert.equal(snap.isDone('rdb_bgsave_in_progress:1\r\nrdb_saves:3\r\n', before), false);
    assert.equal(snap.isDone('rdb_bgsave_in_progress:0\r\nrdb_saves:3\r\n', before), false);
    assert.equal(snap.isDone('rdb_bgsave_in_progress:0\r\nrdb_saves:4\r\n', before), true);
    const restore = ENGINES.redis.restore(creds);
    assert.equal(restore.kind, 'data-file');
    if (restore.kind === 'data-file') assert.deepEqual(restore.shutdown.argv.slice(-2), ['SHUTDOWN', 'NOSAVE']);
    assert.deepEqual(parseKeyspace('# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\ndb2:keys=1,expires=0\r\n'), {
      db0: 3,
      db2: 1,
    });
  });

  it('parses tab-separated counts, ignoring anything else', () => {
    assert.deepEqual(parseCounts('public.items\t500\npublic.empty\t0\nnoise\n\n'), {
      'public.items': 500,
      'public.empty': 0,
    });
  });
});
