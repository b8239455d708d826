/**
 * A managed database's container and volume for each engine, given inputs → exactly this spec: image,
 * command, environment, config files, volume mount, health check, labels, network and alias, limits,
 * published port; and the throwaway container a backup is verified in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { databaseContainerSpec, engineContainer } from '../../src/databases/database-container.js';
import type { ManagedDatabase } from '../../src/databases/database.types.js';
import type { DatabaseCredentials, EngineName } from '../../src/databases/engines/types.js';
import { createOptions } from '../../src/runtime/docker/containers.js';
import type { ContainerSpec } from '../../src/runtime/runtime.js';
import { databaseVolumeSpec, throwawayDatabaseSpec } from '../../src/workloads/database-spec.js';

const credentials: DatabaseCredentials = {
  user: 'app',
  password: 'pw-SECRET-1234',
  database: 'app',
  rootPassword: 'root-SECRET-5678',
};
const project = { name: 'shop', networkName: 'berth-prj_0123456789ab' };
const HEALTH = { intervalMs: 1000, timeoutMs: 5000, retries: 5, startPeriodMs: 120_000 };
const LABELS = {
  'berth.managed': 'true',
  'berth.project': 'prj_0123456789ab',
  'berth.service': 'svc_dbdbdbdbdbdb',
  // Every database's container and volume say which environment they belong to (issue 18).
  'berth.environment': 'env_0123456789ab',
  'berth.role': 'database',
};

function database(engine: EngineName, image: string, extra: Partial<ManagedDatabase> = {}): ManagedDatabase {
  return {
    id: 'svc_dbdbdbdbdbdb',
    projectId: 'prj_0123456789ab',
    environmentId: 'env_0123456789ab',
    name: 'db',
    engine,
    image,
    status: 'running',
    containerId: null,
    volumeName: 'berth-svc_dbdbdbdbdbdb-data',
    memoryMb: null,
    cpus: null,
    publicAccess: null,
    backupSchedule: null,
    backupKeep: 7,
    lastError: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

/** What every engine's spec shares: name, labels, network, alias, restart policy, no limits, no port. */
function common(image: string, dataDir: string): Omit<ContainerSpec, 'cmd' | 'env' | 'files' | 'healthcheck'> {
  return {
    name: 'berth_shop_db',
    image,
    labels: LABELS,
    network: 'berth-prj_0123456789ab',
    networkAliases: ['db'],
    volumes: [{ volume: 'berth-svc_dbdbdbdbdbdb-data', target: dataDir }],
    publishedPorts: undefined,
    memoryBytes: undefined,
    nanoCpus: undefined,
    restartPolicy: 'unless-stopped',
  };
}

describe('database container specs', () => {
  it('postgres', () => {
    assert.deepEqual(databaseContainerSpec(database('postgres', 'postgres:16'), project, credentials), {
      ...common('postgres:16', '/var/lib/postgresql/data'),
      cmd: undefined,
      env: { POSTGRES_USER: 'app', POSTGRES_PASSWORD: 'pw-SECRET-1234', POSTGRES_DB: 'app' },
      files: undefined,
      healthcheck: { test: ['pg_isready', '-h', '127.0.0.1', '-p', '5432', '-U', 'app', '-d', 'app'], ...HEALTH },
    });
  });

  for (const [engine, admin] of [
    ['mysql', 'mysqladmin'],
    ['mariadb', 'mariadb-admin'],
  ] as const) {
    it(engine, () => {
      assert.deepEqual(databaseContainerSpec(database(engine, `${engine}:11`), project, credentials), {
        ...common(`${engine}:11`, '/var/lib/mysql'),
        cmd: undefined,
        env: {
          MYSQL_ROOT_PASSWORD: 'root-SECRET-5678',
          MYSQL_DATABASE: 'app',
          MYSQL_USER: 'app',
          MYSQL_PASSWORD: 'pw-SECRET-1234',
        },
        files: undefined,
        healthcheck: { test: [admin, 'ping', '-h', '127.0.0.1', '-P', '3306', '--silent'], ...HEALTH },
      });
    });
  }

  it('redis: the password in a config file put into the container, never on the command line', () => {
    assert.deepEqual(databaseContainerSpec(database('redis', 'redis:7'), project, credentials), {
      ...common('redis:7', '/data'),
      cmd: ['redis-server', '/etc/berth-redis.conf', '--appendonly', 'no'],
      env: { REDISCLI_AUTH: 'pw-SECRET-1234' },
      files: [{ directory: '/etc', name: 'berth-redis.conf', content: 'requirepass "pw-SECRET-1234"\n', mode: 0o644 }],
      healthcheck: { test: ['redis-cli', '-h', '127.0.0.1', '-p', '6379', 'ping'], ...HEALTH },
    });
  });

  it('mongo', () => {
    assert.deepEqual(databaseContainerSpec(database('mongo', 'mongo:7'), project, credentials), {
      ...common('mongo:7', '/data/db'),
      cmd: undefined,
      env: {
        MONGO_INITDB_ROOT_USERNAME: 'app',
        MONGO_INITDB_ROOT_PASSWORD: 'pw-SECRET-1234',
        MONGO_INITDB_DATABASE: 'app',
      },
      files: undefined,
      healthcheck: { test: ['mongosh', '--quiet', '--norc', '--eval', 'db.adminCommand("ping").ok'], ...HEALTH },
    });
  });

  it('with limits and public access: memory and CPU caps, the port published on the chosen host address', () => {
    const spec = databaseContainerSpec(
      database('postgres', 'postgres:16', {
        memoryMb: 1024,
        cpus: 1.5,
        publicAccess: { host: '127.0.0.1', port: 15432 },
      }),
      project,
      credentials,
    );
    assert.equal(spec.memoryBytes, 1_073_741_824);
    assert.equal(spec.nanoCpus, 1_500_000_000);
    assert.deepEqual(spec.publishedPorts, [{ containerPort: 5432, hostIp: '127.0.0.1', hostPort: 15432 }]);
    const options = createOptions(spec, { maxSize: '10m', maxFiles: 3 });
    assert.deepEqual(options.ExposedPorts, { '5432/tcp': {} });
    assert.deepEqual(options.HostConfig?.PortBindings, { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '15432' }] });
    assert.deepEqual(options.HostConfig?.Mounts, [
      { Type: 'volume', Source: 'berth-svc_dbdbdbdbdbdb-data', Target: '/var/lib/postgresql/data' },
    ]);
    assert.deepEqual(options.Healthcheck, {
      Test: ['CMD', 'pg_isready', '-h', '127.0.0.1', '-p', '5432', '-U', 'app', '-d', 'app'],
      Interval: 1_000_000_000,
      Timeout: 5_000_000_000,
      Retries: 5,
      StartPeriod: 120_000_000_000,
    });
    assert.deepEqual(options.NetworkingConfig, { EndpointsConfig: { 'berth-prj_0123456789ab': { Aliases: ['db'] } } });
  });

  it('the volume carries the database labels', () => {
    assert.deepEqual(databaseVolumeSpec(database('postgres', 'postgres:16')), {
      name: 'berth-svc_dbdbdbdbdbdb-data',
      labels: LABELS,
    });
  });

  it('the throwaway container a backup is verified in: no network, no volume, no restart, its own role', () => {
    const db = database('redis', 'redis:7', { memoryMb: 256, cpus: 2 });
    const other = { ...credentials, password: 'other-PW' };
    assert.deepEqual(throwawayDatabaseSpec(db, engineContainer(db, other), 'verify', 1_767_225_600_000), {
      name: 'berth-verify-dbdbdbdbdbdb-mjuohs00',
      image: 'redis:7',
      cmd: ['redis-server', '/etc/berth-redis.conf', '--appendonly', 'no'],
      env: { REDISCLI_AUTH: 'other-PW' },
      files: [{ directory: '/etc', name: 'berth-redis.conf', content: 'requirepass "other-PW"\n', mode: 0o644 }],
      labels: { ...LABELS, 'berth.role': 'verify' },
      network: 'none',
      healthcheck: { test: ['redis-cli', '-h', '127.0.0.1', '-p', '6379', 'ping'], ...HEALTH, intervalMs: 500 },
      memoryBytes: 268_435_456,
      restartPolicy: 'no',
    });
  });
});
