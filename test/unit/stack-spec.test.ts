import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCompose } from '../../src/stacks/compose-check.js';
import {
  stackContainerName,
  stackContainerSpec,
  stackImageTag,
  stackNetworkName,
  stackVolumeName,
} from '../../src/workloads/stack-spec.js';

const STACK = { id: 'stk_abcdefghjkmn', projectId: 'prj_abcdefghjkmn', projectName: 'shop', name: 'blog' };

test('a compose service becomes a container spec on the stack network, Berth labels winning', () => {
  const text = [
    'services:',
    '  db:',
    '    image: postgres:16',
    '    command: ["postgres", "-c", "fsync=off"]',
    '    entrypoint: docker-entrypoint.sh',
    '    user: "999:999"',
    '    working_dir: /srv',
    '    environment: {POSTGRES_PASSWORD: pw}',
    '    labels: {team: data}',
    '    restart: always',
    '    volumes: [data:/var/lib/postgresql/data, /scratch, {type: tmpfs, target: /run}, "conf:/etc/conf:ro"]',
    '    healthcheck: {test: pg_isready, interval: 2s, retries: 5}',
    'volumes: {data: {}, conf: {}}',
    '',
  ].join('\n');
  const service = checkCompose(text).stack!.services[0]!;
  assert.deepEqual(stackContainerSpec(STACK, service, 'postgres:16', 3, 'digest1'), {
    name: 'berth-shop-blog-db-3',
    image: 'postgres:16',
    cmd: ['postgres', '-c', 'fsync=off'],
    entrypoint: ['docker-entrypoint.sh'],
    user: '999:999',
    workingDir: '/srv',
    env: { POSTGRES_PASSWORD: 'pw' },
    labels: {
      team: 'data',
      'berth.managed': 'true',
      'berth.project': STACK.projectId,
      'berth.stack': STACK.id,
      'berth.stack-service': 'db',
      'berth.stack-generation': '3',
      'berth.stack-spec': 'digest1',
    },
    network: 'berth-stk_abcdefghjkmn',
    networkAliases: ['db'],
    restartPolicy: 'unless-stopped',
    volumes: [
      { volume: 'berth-stk_abcdefghjkmn-data', target: '/var/lib/postgresql/data' },
      { volume: '', target: '/scratch' },
      { volume: 'berth-stk_abcdefghjkmn-conf', target: '/etc/conf', readOnly: true },
    ],
    tmpfs: ['/run'],
    healthcheck: {
      test: ['pg_isready'],
      shell: true,
      intervalMs: 2000,
      timeoutMs: 30_000,
      retries: 5,
      startPeriodMs: 0,
    },
  });
});

test('stack object names are valid Docker names, unique per stack and generation', () => {
  assert.equal(stackNetworkName(STACK.id), 'berth-stk_abcdefghjkmn');
  assert.equal(stackVolumeName(STACK.id, 'db-data'), 'berth-stk_abcdefghjkmn-db-data');
  assert.equal(stackContainerName(STACK, 'web', 12), 'berth-shop-blog-web-12');
  assert.equal(stackImageTag(STACK.id, 'web', 2), 'berth/stk_abcdefghjkmn-web:g2');
  for (const name of [stackNetworkName(STACK.id), stackVolumeName(STACK.id, 'x'), stackContainerName(STACK, 'web', 1)])
    assert.match(name, /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
});

test('compose networks: a service joins only the networks it names (with aliases), else the default one', () => {
  const text = [
    'services:',
    '  web:',
    '    image: app',
    '    networks:',
    '      front: {aliases: [www, site]}',
    '      back:',
    '  db:',
    '    image: postgres:16',
    '    networks: [back]',
    '  cache:',
    '    image: redis:7',
    'networks:',
    '  front: {}',
    '  back: {driver: bridge, internal: true}',
    '',
  ].join('\n');
  const result = checkCompose(text);
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.stack!.networks, ['front', 'back']);
  assert.deepEqual(result.stack!.internalNetworks, ['back']);
  const [web, db, cache] = result.stack!.services.map((s) => stackContainerSpec(STACK, s, 'img', 1, 'd'));
  assert.deepEqual(
    { network: web!.network, networkAliases: web!.networkAliases, extraNetworks: web!.extraNetworks },
    {
      network: 'berth-stk_abcdefghjkmn-net-front',
      networkAliases: ['web', 'www', 'site'],
      extraNetworks: [{ name: 'berth-stk_abcdefghjkmn-net-back', aliases: ['web'] }],
    },
  );
  assert.deepEqual(
    { network: db!.network, networkAliases: db!.networkAliases, extraNetworks: db!.extraNetworks },
    { network: 'berth-stk_abcdefghjkmn-net-back', networkAliases: ['db'], extraNetworks: undefined },
  );
  assert.deepEqual(
    { network: cache!.network, networkAliases: cache!.networkAliases, extraNetworks: cache!.extraNetworks },
    { network: 'berth-stk_abcdefghjkmn', networkAliases: ['cache'], extraNetworks: undefined },
  );
  assert.equal(stackNetworkName(STACK.id, 'default'), stackNetworkName(STACK.id));
});

test('compose networks: external, other drivers, ipam, fixed addresses and bad aliases are refused with their line', () => {
  const base = 'services:\n  web:\n    image: app\n    networks:\n      front: {aliases: [ok]}\n';
  const refused: [string, string, number][] = [
    [base + 'networks:\n  front:\n    external: true\n', 'networks.front.external', 8],
    [base + 'networks:\n  front:\n    driver: overlay\n', 'networks.front.driver', 8],
    [base + 'networks:\n  front:\n    ipam: {config: []}\n', 'networks.front.ipam', 8],
    [base + 'networks:\n  front:\n    internal: maybe\n', 'networks.front.internal', 8],
    [
      'services:\n  web:\n    image: app\n    networks:\n      front: {ipv4_address: 10.0.0.2}\nnetworks: {front: {}}\n',
      'services.web.networks.front.ipv4_address',
      5,
    ],
    [
      'services:\n  web:\n    image: app\n    networks:\n      front:\n        aliases: ["bad name"]\nnetworks: {front: {}}\n',
      'services.web.networks.front.aliases',
      6,
    ],
  ];
  for (const [text, field, line] of refused) {
    // An external network is also undeclared for the service naming it: the first problem is the refusal.
    const problems = checkCompose(text).problems;
    assert.deepEqual([problems[0]!.field, problems[0]!.line], [field, line], text);
  }
});
