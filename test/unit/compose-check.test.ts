import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCompose, startOrder } from '../../src/stacks/compose-check.js';

/** A service `web` with `lines` (two-space indented under it), so the first option is on line 4. */
function service(...lines: string[]): string {
  return ['services:', '  web:', '    image: berth-test/busybox:latest', ...lines.map((l) => `    ${l}`), ''].join(
    '\n',
  );
}

/** The same option written three ways: plainly, through an `x-` anchor merged with `<<`, and in a list merge. */
function inEverySyntax(option: string[]): { name: string; text: string; line: number }[] {
  const indent = (n: number) => option.map((l) => `${' '.repeat(n)}${l}`);
  return [
    { name: 'plain', text: service(...option), line: 4 },
    {
      name: 'x- anchor with << merge',
      text: ['x-base: &base', ...indent(2), 'services:', '  web:', '    <<: *base', '    image: app', ''].join('\n'),
      line: 2,
    },
    {
      name: 'list merge of two anchors',
      text: [
        'x-a: &a',
        '  restart: always',
        'x-b: &b',
        ...indent(2),
        'services:',
        '  web:',
        '    <<: [*a, *b]',
        '    image: app',
        '',
      ].join('\n'),
      line: 4,
    },
  ];
}

/** `offset`: the offending value starts that many lines below the option's first line (a block value). */
const FORBIDDEN: { option: string[]; field: string; says: RegExp; offset?: number }[] = [
  { option: ['privileged: true'], field: 'services.web.privileged', says: /privileged/ },
  { option: ['network_mode: host'], field: 'services.web.network_mode', says: /host’s network/ },
  { option: ['network_mode: "service:db"'], field: 'services.web.network_mode', says: /service:db/ },
  { option: ['network_mode: "container:abc"'], field: 'services.web.network_mode', says: /container:abc/ },
  { option: ['pid: host'], field: 'services.web.pid', says: /pid: host/ },
  { option: ['ipc: host'], field: 'services.web.ipc', says: /ipc: host/ },
  { option: ['userns_mode: host'], field: 'services.web.userns_mode', says: /userns_mode: host/ },
  { option: ['cap_add: [NET_ADMIN]'], field: 'services.web.cap_add', says: /cap_add/ },
  { option: ['cap_add:', '  - SYS_ADMIN'], field: 'services.web.cap_add', says: /cap_add/, offset: 1 },
  { option: ['devices: ["/dev/sda:/dev/sda"]'], field: 'services.web.devices', says: /devices/ },
  { option: ['security_opt: ["seccomp:unconfined"]'], field: 'services.web.security_opt.0', says: /unconfined/ },
  { option: ['security_opt: ["apparmor=unconfined"]'], field: 'services.web.security_opt.0', says: /unconfined/ },
  { option: ['security_opt: ["label:disable"]'], field: 'services.web.security_opt.0', says: /SELinux/ },
  { option: ['security_opt: ["label=disable"]'], field: 'services.web.security_opt.0', says: /SELinux/ },
  { option: ['volumes_from: [db]'], field: 'services.web.volumes_from', says: /volumes_from/ },
  { option: ['cgroup_parent: m-executor'], field: 'services.web.cgroup_parent', says: /cgroup_parent/ },
  { option: ['sysctls:', '  net.core.somaxconn: 1024'], field: 'services.web.sysctls', says: /sysctls/, offset: 1 },
  {
    option: ['extends:', '  file: common.yml', '  service: web'],
    field: 'services.web.extends',
    says: /extends/,
    offset: 1,
  },
  { option: ['env_file: .env'], field: 'services.web.env_file', says: /env_file/ },
  {
    option: ['volumes: ["/var/run/docker.sock:/var/run/docker.sock"]'],
    field: 'services.web.volumes.0',
    says: /Docker engine/,
  },
  {
    option: ['volumes:', '  - type: bind', '    source: /run/docker.sock', '    target: /d.sock'],
    field: 'services.web.volumes.0',
    says: /Docker engine/,
    offset: 1,
  },
  { option: ['volumes: ["/etc:/host-etc:ro"]'], field: 'services.web.volumes.0', says: /host path \/etc/ },
  { option: ['volumes: ["./data:/data"]'], field: 'services.web.volumes.0', says: /host path \.\/data/ },
  { option: ['volumes: ["~/x:/x"]'], field: 'services.web.volumes.0', says: /host path ~\/x/ },
  {
    option: ['volumes:', '  - type: bind', '    source: /srv/data', '    target: /data'],
    field: 'services.web.volumes.0',
    says: /host path \/srv\/data/,
    offset: 1,
  },
  {
    option: ['volumes:', '  - type: volume', '    source: /srv/data', '    target: /data'],
    field: 'services.web.volumes.0',
    says: /host path/,
    offset: 1,
  },
  { option: ['uts: host'], field: 'services.web.uts', says: /uts: host/ },
  { option: ['runtime: runc'], field: 'services.web.runtime', says: /runtime/ },
  {
    option: ['labels:', '  berth.service: svc_x'],
    field: 'services.web.labels.berth.service',
    says: /Berth’s own/,
    offset: 1,
  },
];

for (const { option, field, says, offset = 0 } of FORBIDDEN) {
  for (const variant of inEverySyntax(option)) {
    test(`refuses ${option.join(' ').trim()} (${variant.name}) naming its line and field`, () => {
      const result = checkCompose(variant.text);
      assert.equal(result.stack, undefined);
      const problem = result.problems.find((p) => p.field === field);
      assert.ok(problem, `a problem at ${field}: ${JSON.stringify(result.problems)}`);
      assert.match(problem.message, says);
      assert.equal(problem.line, variant.line + offset, JSON.stringify(problem));
    });
  }
}

const TOP_LEVEL_FORBIDDEN: { text: string; field: string; line: number; says: RegExp }[] = [
  {
    text:
      service('volumes: [data:/data]') +
      'volumes:\n  data:\n    driver_opts:\n      type: none\n      o: bind\n      device: /etc\n',
    field: 'volumes.data.driver_opts',
    line: 8,
    says: /binds a host path/,
  },
  {
    text: service() + 'volumes:\n  data:\n    external: true\n',
    field: 'volumes.data.external',
    line: 6,
    says: /external/,
  },
  {
    text: service() + 'networks:\n  outside:\n    external: true\n',
    field: 'networks.outside.external',
    line: 6,
    says: /external/,
  },
  { text: 'include:\n  - other.yml\n' + service(), field: 'include', line: 2, says: /other files/ },
  { text: service() + 'secrets:\n  key:\n    file: /etc/shadow\n', field: 'secrets', line: 5, says: /host/ },
];

for (const { text, field, line, says } of TOP_LEVEL_FORBIDDEN) {
  test(`refuses top-level ${field}`, () => {
    const problem = checkCompose(text).problems.find((p) => p.field === field);
    assert.ok(problem, field);
    assert.match(problem.message, says);
    assert.equal(problem.line, line);
  });
}

test('a bind mount inside the allow-list is accepted; the Docker socket never is', () => {
  const text = service('volumes: ["/srv/berth-share/app:/data:ro", "/srv/berth-share/docker.sock:/s"]');
  const result = checkCompose(text, { allowedHostPaths: ['/srv/berth-share'] });
  assert.deepEqual(
    result.problems.map((p) => p.field),
    ['services.web.volumes.1'],
  );
  assert.equal(
    checkCompose(service('volumes: ["/srv/berth-share/../etc:/x"]'), { allowedHostPaths: ['/srv/berth-share'] })
      .problems.length,
    1,
  );
});

test('an ordinary two-service file is read into a stack', () => {
  const text = [
    'x-env: &env',
    '  TZ: UTC',
    'services:',
    '  app:',
    '    build:',
    '      context: ./app',
    '      dockerfile: Dockerfile',
    '    environment:',
    '      <<: *env',
    '      DATABASE_URL: postgres://app:${DB_PASSWORD}@db:5432/app',
    '    command: node server.js --port "80 80"',
    '    ports: ["8080:3000"]',
    '    expose: [9000]',
    '    depends_on:',
    '      db:',
    '        condition: service_healthy',
    '    restart: unless-stopped',
    '    labels: [com.example.team=web]',
    '    container_name: fixed',
    '  db:',
    '    image: postgres:15',
    '    environment: [POSTGRES_PASSWORD=$DB_PASSWORD, "POSTGRES_DB=app", EMPTY]',
    '    volumes: [pgdata:/var/lib/postgresql/data, /tmp/anon, {type: tmpfs, target: /run}]',
    '    networks: [back]',
    '    healthcheck:',
    '      test: ["CMD-SHELL", "pg_isready -U postgres"]',
    '      interval: 1s',
    '      timeout: 1m30s',
    '      retries: 30',
    '    security_opt: [no-new-privileges:true]',
    'volumes:',
    '  pgdata: {}',
    'networks:',
    '  back:',
    '',
  ].join('\n');
  const result = checkCompose(text, { variables: { DB_PASSWORD: 's3cret' } });
  assert.deepEqual(result.problems, []);
  const [app, db] = result.stack!.services;
  assert.deepEqual(app!.build, { context: 'app', dockerfile: 'Dockerfile', args: {} });
  assert.deepEqual(app!.environment, { TZ: 'UTC', DATABASE_URL: 'postgres://app:s3cret@db:5432/app' });
  assert.deepEqual(app!.command, ['node', 'server.js', '--port', '80 80']);
  assert.deepEqual(app!.ports, [3000, 9000]);
  assert.deepEqual(app!.dependsOn, [{ service: 'db', condition: 'service_healthy' }]);
  assert.deepEqual(app!.labels, { 'com.example.team': 'web' });
  assert.deepEqual(db!.environment, { POSTGRES_PASSWORD: 's3cret', POSTGRES_DB: 'app', EMPTY: '' });
  assert.deepEqual(db!.volumes, [
    { type: 'volume', source: 'pgdata', target: '/var/lib/postgresql/data', readOnly: false },
    { type: 'volume', source: '', target: '/tmp/anon', readOnly: false },
    { type: 'tmpfs', source: '', target: '/run', readOnly: false },
  ]);
  assert.deepEqual(db!.healthcheck, {
    test: ['CMD-SHELL', 'pg_isready -U postgres'],
    intervalMs: 1000,
    timeoutMs: 90_000,
    retries: 30,
  });
  assert.deepEqual(result.stack!.volumes, ['pgdata']);
  assert.deepEqual(result.stack!.networks, ['back']);
  assert.ok(result.notes.some((n) => /not published/.test(n)));
  assert.ok(result.notes.some((n) => /container_name/.test(n)));
  assert.deepEqual(
    startOrder(result.stack!.services).map((s) => s.name),
    ['db', 'app'],
  );
});

test('names used without a value, undeclared volumes, unknown dependencies, cycles and bad builds are refused', () => {
  const missing = checkCompose(service('environment: ["A=${NOPE}"]'));
  assert.match(missing.problems[0]!.message, /\$\{NOPE\}/);
  assert.equal(checkCompose(service('environment: ["A=${NOPE:-x}"]')).problems.length, 0);
  assert.match(checkCompose(service('volumes: [data:/data]')).problems[0]!.message, /not declared/);
  assert.match(checkCompose(service('depends_on: [ghost]')).problems[0]!.message, /ghost/);
  const cycle = 'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n';
  assert.match(checkCompose(cycle).problems[0]!.message, /circle/);
  for (const context of ['../outside', '/abs', 'https://github.com/x/y.git', 'git@github.com:x/y'])
    assert.match(
      checkCompose(`services:\n  a:\n    build: ${JSON.stringify(context)}\n`).problems[0]!.message,
      /inside the repository/,
    );
  assert.equal(checkCompose('services: [\n').problems[0]!.line, 2);
  assert.match(
    checkCompose(service('privileged: false'))
      .problems.map((p) => p.message)
      .join(),
    /^$/,
  );
});
