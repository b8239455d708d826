/**
 * The project file's plan (src/project-config/plan-project.ts), pure: the same file gives no changes;
 * settings are compared after the update route's own patch rules (build and resources as a whole); secret
 * placeholders never change a value; deletes are listed but skipped without prune; the hash binds the
 * server state, the file and prune; each change reads `+ service web`, `~ web.replicas 1 → 2`, `- database old`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildArgsToWrite, describeChange, planProject } from '../../src/project-config/plan-project.js';
import type { ProjectFile } from '../../src/project-config/project-file.js';

const server: ProjectFile = {
  version: 1,
  environment: 'production',
  services: {
    web: {
      source: { type: 'push', branch: 'main' },
      build: { dockerfilePath: 'Dockerfile.prod', buildArgs: { NODE_VERSION: '20', NPM_TOKEN: { secret: true } } },
      port: null,
      healthcheck: { type: 'http', path: '/', expectedStatus: 200, timeoutSeconds: 60 },
      replicas: 1,
      resources: { memoryMb: 256 },
      releaseCommand: null,
      processes: { worker: 1 },
      variables: { MODE: 'live', API_TOKEN: { secret: true } },
      domains: ['shop.example.com'],
    },
  },
  databases: { old: { engine: 'postgres', version: '15', backup: { schedule: null, keep: 7 } } },
};

describe('project plan', () => {
  it('has no changes for the server state itself', () => {
    assert.deepEqual(planProject(server, structuredClone(server), false).changes, []);
  });

  it('lists creates, updates with old → new, and deletes (skipped without prune)', () => {
    const file = structuredClone(server);
    const web = file.services.web!;
    web.replicas = 2;
    web.resources = {}; // a whole object: memoryMb is cleared
    web.variables = { MODE: 'test', API_TOKEN: { secret: true }, NEW: '1' };
    web.processes = { worker: 3 };
    web.domains = [];
    file.services.api2 = { source: { type: 'image', image: 'berth-test/busybox:latest' } };
    delete file.databases.old;
    const lines = planProject(server, file, false).changes.map(describeChange);
    assert.deepEqual(lines, [
      '~ web.resources.memoryMb 256 → null',
      '~ web.replicas 1 → 2',
      '~ web.variables.MODE "live" → "test"',
      '+ web.variables.NEW = "1"',
      '- web.domains.shop.example.com (kept: apply deletes only with prune)',
      '~ web.processes.worker 1 → 3',
      '+ service api2',
      '- database old (kept: apply deletes only with prune)',
    ]);
    const pruned = planProject(server, file, true).changes.filter((c) => c.action === 'delete');
    assert.ok(pruned.every((c) => !c.skipped));
  });

  it('a healthcheck patch merges as the update route does; a missing setting is left alone', () => {
    const file = structuredClone(server);
    file.services.web!.healthcheck = { path: '/up' };
    delete file.services.web!.replicas;
    assert.deepEqual(
      planProject(server, file, false).changes.map((c) => [c.path, c.old, c.new]),
      [['web.healthcheck.path', '/', '/up']],
    );
  });

  it('notes what apply cannot do: a secret not on the server, an unknown process type, an engine change', () => {
    const file = structuredClone(server);
    file.services.web!.variables = { ...file.services.web!.variables, STRIPE_KEY: { secret: true } };
    file.services.web!.processes = { worker: 1, mailer: 1 };
    file.databases.old = { engine: 'mariadb' };
    const { notes } = planProject(server, file, false);
    assert.equal(notes.length, 3, notes.join('\n'));
  });

  it('plans build args as a whole set: literals old → new, secret ones never shown and kept, left-out ones removed', () => {
    const file = structuredClone(server);
    file.services.web!.build = {
      dockerfilePath: 'Dockerfile.prod',
      buildArgs: { NODE_VERSION: '22', NPM_TOKEN: { secret: true }, CI: '1' },
    };
    const plan = planProject(server, file, false);
    assert.deepEqual(plan.changes.map(describeChange), [
      '~ web.build.buildArgs.NODE_VERSION "20" → "22"',
      '+ web.build.buildArgs.CI = "1"',
    ]);
    assert.deepEqual(buildArgsToWrite(file.services.web!, { NODE_VERSION: '20', NPM_TOKEN: 'npm_real' }), {
      NODE_VERSION: '22',
      NPM_TOKEN: 'npm_real',
      CI: '1',
    });
    file.services.web!.build = {
      dockerfilePath: 'Dockerfile.prod',
      buildArgs: { SENTRY_AUTH_TOKEN: { secret: true } },
    };
    const removed = planProject(server, file, false);
    assert.deepEqual(removed.changes.map(describeChange), [
      '- web.build.buildArgs.NODE_VERSION',
      '- web.build.buildArgs.NPM_TOKEN',
    ]);
    assert.match(
      removed.notes.join('\n'),
      /web\.build\.buildArgs\.SENTRY_AUTH_TOKEN is secret and not set on the server/,
    );
    assert.doesNotMatch(JSON.stringify(removed), /npm_real/);
    // A file whose build leaves buildArgs out does not manage them.
    file.services.web!.build = { dockerfilePath: 'Dockerfile.prod' };
    assert.deepEqual(planProject(server, file, false).changes, []);
  });

  it('plans other environments under their path, creates a missing one, and leaves previews and unnamed ones alone', () => {
    const withStaging: ProjectFile = { ...structuredClone(server), environments: { staging: structuredClone(server) } };
    const file = structuredClone(withStaging);
    file.environments!.staging!.services.web!.replicas = 3;
    file.environments!.qa = { services: {}, databases: { cache: { engine: 'redis' } } };
    file.environments!['feature-x'] = { services: {}, databases: {} };
    const plan = planProject(withStaging, file, false, new Set(['feature-x']));
    assert.deepEqual(plan.changes.map(describeChange), [
      '~ environments.staging.web.replicas 1 → 3',
      '+ environment qa',
      '+ database environments.qa.cache',
    ]);
    assert.deepEqual(plan.notes, ['environments.feature-x: a preview (made by pushes) is not managed by the file']);
    delete file.environments!.staging;
    const unnamed = planProject(withStaging, file, true, new Set(['feature-x']));
    assert.ok(unnamed.changes.every((c) => !c.path.startsWith('environments.staging')));
    assert.match(unnamed.notes.join('\n'), /environments\.staging is not in the file: left alone/);
    // A file without `environments` manages production only.
    assert.deepEqual(planProject(withStaging, structuredClone(server), true).changes, []);
  });

  it('plans a start command like the other settings, checked by the start-command rules', () => {
    const file = structuredClone(server);
    file.services.web!.startCommand = 'node server.js --port $PORT';
    assert.deepEqual(planProject(server, file, false).changes.map(describeChange), [
      '~ web.startCommand null → "node server.js --port $PORT"',
    ]);
    file.services.web!.startCommand = 'node a.js && node b.js';
    assert.throws(() => planProject(server, file, false), /startCommand/);
  });

  it('binds the hash to the server state, the file and prune', () => {
    const file = structuredClone(server);
    const hash = planProject(server, file, false).planHash;
    assert.equal(planProject(structuredClone(server), structuredClone(file), false).planHash, hash);
    assert.notEqual(planProject(server, file, true).planHash, hash);
    const changed = structuredClone(server);
    changed.services.web!.replicas = 5;
    assert.notEqual(planProject(changed, file, false).planHash, hash);
  });
});
