/**
 * berth.json (src/repo-config/): the README's example is valid; every kind of mistake is named by line and
 * field; secret values are refused; environment overrides merge; the result laid over a service; watch
 * paths; and the file is read only inside the checkout and under 64 KB.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Db } from '../../src/db/connection.js';
import type { AppError } from '../../src/errors.js';
import { DEFAULT_PREVIEW_SETTINGS, refuseFileFields, withFileSettings } from '../../src/previews/preview-settings.js';
import { DEFAULT_HEALTHCHECK, type AppService } from '../../src/projects/service.types.js';
import { applyConfigFile, MAX_CONFIG_FILE_BYTES } from '../../src/repo-config/deploy-hook.js';
import { applySettings, settingsForEnvironment } from '../../src/repo-config/effective-settings.js';
import { parseRepoConfig } from '../../src/repo-config/parse-repo-config.js';
import type { RepoConfigFile } from '../../src/repo-config/repo-config.types.js';
import { changedFilesOf, touchesWatchPaths } from '../../src/repo-config/watch-paths.js';
import { appContainerSpec, type AppWorkload } from '../../src/workloads/app-spec.js';
import { appDeploymentObject, rolloutTimingOf } from '../../src/workloads/kubernetes-spec.js';

/** The first ```json block of the README's berth.json section. */
function readmeExample(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Settings in the repository: `berth.json`'));
  const match = /```json\n([\s\S]*?)```/.exec(section);
  assert.ok(match, 'the README section has a JSON example');
  return match[1]!;
}

function problemsOf(text: string): string[] {
  const parsed = parseRepoConfig(text);
  assert.equal(parsed.ok, false, `expected problems in ${text}`);
  return parsed.ok ? [] : parsed.problems;
}

const service: AppService = {
  id: 'svc_1',
  projectId: 'prj_1',
  environmentId: 'env_1',
  name: 'web',
  source: { type: 'push', branch: 'main' },
  build: { dockerfilePath: 'Dockerfile.prod', buildArgs: { A: '1' } },
  port: 3000,
  healthcheck: { type: 'http', path: '/up', expectedStatus: 204, timeoutSeconds: 30 },
  resources: { memoryMb: 256 },
  replicas: 1,
  releaseCommand: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('berth.json', () => {
  it('accepts the README example, with its staging overrides', () => {
    const parsed = parseRepoConfig(readmeExample());
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('\n'));
    const production = settingsForEnvironment(parsed.config, 'production');
    assert.equal(production.environment, null);
    assert.equal(production.settings.replicas, 2);
    assert.equal('environments' in production.settings || '$schema' in production.settings, false);
    const staging = settingsForEnvironment(parsed.config, 'staging');
    assert.equal(staging.environment, 'staging');
    assert.equal(staging.settings.replicas, 1);
    assert.deepEqual(staging.settings.resources, { memoryMb: 256, cpus: 0.5 });
    assert.deepEqual(staging.settings.variables, {
      NODE_ENV: 'staging',
      DATABASE_URL: '${{db.DATABASE_URL}}',
      SESSION_SECRET: '${{auth.SESSION_SECRET}}',
    });
    assert.equal(staging.settings.start, 'node server.js --port $PORT');
  });

  it('names the line and the field of every kind of mistake, in line order', () => {
    const text = [
      '{', // 1
      '  "start": "node server.js; rm -rf /",', // 2
      '  "release": "npm run \'migrate",', // 3
      '  "replicas": 0,', // 4
      '  "build": { "builder": "docker", "dockerfilePath": "../x" },', // 5
      '  "healthcheck": {', // 6
      '    "path": "healthz",', // 7
      '    "timeoutSeconds": "60"', // 8
      '  },', // 9
      '  "resources": { "cpus": 100 },', // 10
      '  "variables": { "9LIVES": "x", "N": 1 },', // 11
      '  "environments": { "Staging": {}, "dev": { "port": 80 } },', // 12
      '  "domains": ["a.example.com"]', // 13
      '}',
    ].join('\n');
    assert.deepEqual(problemsOf(text), [
      'berth.json line 2: start is not a command Berth can run: The berth.json start command uses ";", which only a shell understands. Berth runs it without a shell; put the logic in a script file in your repository (for example `web: ./start.sh`) and call that instead.',
      'berth.json line 3: release has an unclosed quote.',
      'berth.json line 4: replicas must be >= 1',
      'berth.json line 5: build.builder must be "dockerfile" or "buildpack"',
      'berth.json line 5: build.dockerfilePath must be a path inside the build context, of letters, digits, ".", "_", "-" and "/"',
      'berth.json line 7: healthcheck.path must start with / and hold only URL path characters (for example /healthz)',
      'berth.json line 8: healthcheck.timeoutSeconds must be integer',
      'berth.json line 10: resources.cpus must be <= 64',
      'berth.json line 11: variables.9LIVES is not a variable name (letters, digits and _, not starting with a digit)',
      'berth.json line 11: variables.N must be string',
      'berth.json line 12: environments.Staging is not an environment name (lowercase letters, digits and -)',
      'berth.json line 12: environments.dev.port is not a known setting',
      'berth.json line 13: domains is not a known setting',
    ]);
  });

  it('checks the preview block: its fields and limits by line, top level only, and the file wins over the panel', () => {
    const good = parseRepoConfig(
      '{"preview": {"enabled": true, "ttlHours": 12, "memoryMb": 128, "databases": "seed"}}',
    );
    assert.ok(good.ok, good.ok ? '' : good.problems.join('\n'));
    assert.deepEqual(settingsForEnvironment(good.config, 'production').settings.preview, {
      enabled: true,
      ttlHours: 12,
      memoryMb: 128,
      databases: 'seed',
    });
    const text = [
      '{', // 1
      '  "preview": {', // 2
      '    "enabled": "yes",', // 3
      '    "ttlHours": 721,', // 4
      '    "maxPreviews": 0,', // 5
      '    "databases": "copy",', // 6
      '    "memoryMb": 16,', // 7
      '    "allowForks": true', // 8
      '  },', // 9
      '  "environments": { "staging": { "preview": { "ttlHours": 1 } } }', // 10
      '}',
    ].join('\n');
    assert.deepEqual(problemsOf(text), [
      'berth.json line 3: preview.enabled must be boolean',
      'berth.json line 4: preview.ttlHours must be <= 720',
      'berth.json line 5: preview.maxPreviews must be >= 1',
      'berth.json line 6: preview.databases must be "empty" or "seed" (from production\'s latest verified backup)',
      'berth.json line 7: preview.memoryMb must be >= 32',
      'berth.json line 8: preview.allowForks is not a known setting',
      'berth.json line 10: environments.staging.preview is not a known setting',
    ]);
    const toml = parseRepoConfig('[preview]\nttlHours = 0\n', 'berth.toml');
    assert.deepEqual(toml.ok ? [] : toml.problems, ['berth.toml line 2: preview.ttlHours must be >= 1']);

    const stored = { ...DEFAULT_PREVIEW_SETTINGS, enabled: true, ttlHours: 72, memoryMb: 512 };
    const file = {
      settings: { ttlHours: 6, memoryMb: 64 },
      sources: { ttlHours: 'web: berth.json', memoryMb: 'web: berth.json' },
    };
    assert.deepEqual(withFileSettings(stored, file), { ...stored, ttlHours: 6, memoryMb: 64 });
    assert.deepEqual(withFileSettings(stored, undefined), stored);
    assert.throws(
      () => refuseFileFields({ ttlHours: 24 }, file),
      (e: AppError) =>
        e.code === 'CONFLICT' && /ttlHours is set by the repository \(web: berth\.json\)/.test(e.message),
    );
    refuseFileFields({ ttlHours: '6', maxPreviews: 5 }, file); // the file's own value, and a field it leaves alone
    refuseFileFields({ ttlHours: 24 }, undefined);
  });

  it('reports JSON syntax errors and a file that is not one object with their line', () => {
    assert.match(problemsOf('{\n  "start": "node a.js",\n  "replicas": 2,,\n}')[0]!, /^berth\.json line 3: /);
    assert.deepEqual(problemsOf('[1, 2]'), [
      'berth.json line 1: must hold one JSON object, such as {"start": "node server.js"}',
    ]);
    assert.match(problemsOf('{"a": 1, "a": 2}')[0]!, /^berth\.json line 1: .*unique/i);
  });

  it('refuses secret values: secret-looking names need a reference, URLs may not carry a password', () => {
    const text = JSON.stringify(
      {
        variables: {
          API_KEY: 'abc123',
          DB_PASSWORD: 'hunter2',
          GITHUB_TOKEN: 'ghp_x',
          client_secret: 's',
          CACHE_URL: 'redis://:pw@cache:6379',
          DATABASE_URL: '${{db.DATABASE_URL}}',
          STRIPE_KEY: '${{payments.STRIPE_KEY}}',
          PLAIN_URL: 'https://example.com/x',
          GREETING: 'hello',
        },
        environments: { staging: { variables: { SIGNING_KEY: 'literal' } } },
      },
      null,
      2,
    );
    const problems = problemsOf(text);
    const fields = problems.map((p) => /^berth\.json line \d+: (\S+)/.exec(p)?.[1]);
    assert.deepEqual(fields, [
      'variables.API_KEY',
      'variables.DB_PASSWORD',
      'variables.GITHUB_TOKEN',
      'variables.client_secret',
      'variables.CACHE_URL',
      'environments.staging.variables.SIGNING_KEY',
    ]);
    assert.match(problems[0]!, /^berth\.json line 3: variables\.API_KEY looks like a secret and has a literal value/);
    assert.match(problems[4]!, /URL with a password/);
    assert.ok(!problems.join('\n').includes('hunter2'), 'a problem never repeats the secret value');
  });

  it('lays the file over the stored settings: health check and build merged, start parsed, release set', () => {
    const parsed = parseRepoConfig(
      JSON.stringify({
        start: 'node alt.mjs --port $PORT',
        release: 'node migrate.mjs',
        healthcheck: { path: '/alt' },
        resources: { cpus: 0.5 },
        build: { builder: 'buildpack', buildpack: 'node' },
        environments: { staging: { healthcheck: { type: 'tcp' }, replicas: 3 } },
      }),
    );
    assert.ok(parsed.ok);
    const production = applySettings(service, settingsForEnvironment(parsed.config, 'production').settings);
    assert.deepEqual(production.service.healthcheck, {
      type: 'http',
      path: '/alt',
      expectedStatus: 204,
      timeoutSeconds: 30,
    });
    assert.deepEqual(production.service.resources, { memoryMb: 256, cpus: 0.5 });
    assert.deepEqual(production.service.build, { buildArgs: { A: '1' }, builder: 'buildpack', buildpack: 'node' });
    assert.equal(production.service.releaseCommand, 'node migrate.mjs');
    assert.equal(production.service.replicas, 1);
    assert.deepEqual(production.startCommand, {
      kind: 'shell',
      script: 'exec node alt.mjs --port $PORT',
      source: 'berth.json start',
    });
    assert.equal(
      service.healthcheck.type === 'http' && service.healthcheck.path,
      '/up',
      'the stored service is untouched',
    );
    const staging = applySettings(service, settingsForEnvironment(parsed.config, 'staging').settings);
    assert.deepEqual(staging.service.healthcheck, { type: 'tcp', timeoutSeconds: 30 });
    assert.equal(staging.service.replicas, 3);
    // builder "dockerfile" without a path: the stored path, else "Dockerfile"; from tcp to http: defaults.
    const config: RepoConfigFile = { build: { builder: 'dockerfile' }, healthcheck: { path: '/h' } };
    const tcp = { ...service, build: {}, healthcheck: { type: 'tcp' as const, timeoutSeconds: 9 } };
    const applied = applySettings(tcp, config);
    assert.deepEqual(applied.service.build, { builder: 'dockerfile', dockerfilePath: 'Dockerfile' });
    assert.deepEqual(applied.service.healthcheck, { ...DEFAULT_HEALTHCHECK, path: '/h', timeoutSeconds: 9 });
    assert.equal(applied.startCommand, undefined);
  });

  it('skips webhook pushes only when the payload lists every change and none matches the watch paths', () => {
    const payload = (files: string[][]) => ({
      commits: files.map(([added = '', modified = '']) => ({
        added: added ? [added] : [],
        modified: modified ? [modified] : [],
        removed: [],
      })),
    });
    assert.deepEqual(changedFilesOf(payload([['docs/a.md', 'README.md']])), ['docs/a.md', 'README.md']);
    assert.equal(changedFilesOf({ commits: [{ id: 'x' }] }), undefined, 'no file lists: unknown');
    assert.equal(changedFilesOf({ push: { changes: [] } }), undefined, 'Bitbucket: unknown');
    assert.equal(changedFilesOf(payload(Array.from({ length: 20 }, () => ['a']))), undefined, 'capped list');
    const watch = ['src/**', 'package.json', '!src/**/*.md'];
    assert.equal(touchesWatchPaths(watch, ['docs/a.md', 'README.md']), false);
    assert.equal(touchesWatchPaths(watch, ['docs/a.md', 'src/server.js']), true);
    assert.equal(touchesWatchPaths(watch, ['package.json']), true);
    assert.equal(touchesWatchPaths(watch, ['src/notes.md']), false);
  });
});

describe('the start command from berth.json', () => {
  const workload: AppWorkload = {
    project: { id: 'prj_1', name: 'shop', networkName: 'berth-prj_1' },
    service: { id: 'svc_1', name: 'web', resources: {} },
    deploymentId: 'dep_1',
    image: 'berth/svc_1:dep_1',
    env: {},
  };

  it("replaces the image's CMD of the app containers on Docker and Kubernetes, and only when set", () => {
    const cmd = ['/bin/sh', '-c', 'exec node alt.mjs --port $PORT'];
    assert.deepEqual(appContainerSpec({ ...workload, cmd }, 1, 3000).cmd, cmd);
    assert.equal('cmd' in appContainerSpec(workload, 1, 3000), false);
    const kube = {
      replicas: 1,
      port: 3000,
      healthcheck: DEFAULT_HEALTHCHECK,
      imagePullPolicy: 'Never' as const,
    };
    const timing = rolloutTimingOf({ stabilisationMs: 1000, drainTimeoutMs: 5000 });
    const withArgs = appDeploymentObject({ ...workload, ...kube, cmd }, timing);
    assert.deepEqual(withArgs.spec.template.spec.containers[0]!.args, cmd);
    const without = appDeploymentObject({ ...workload, ...kube }, timing);
    assert.equal('args' in without.spec.template.spec.containers[0]!, false);
  });
});

describe('reading berth.json from a checkout', () => {
  const dirs: string[] = [];
  const checkout = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-repo-config-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };
  // The file is read and checked before the database is touched; a db that throws proves it.
  const noDb = new Proxy({}, { get: () => assert.fail('the database was used') }) as unknown as Db;
  const target = { deploymentId: 'dep_1', rollbackOf: null, service };
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('is absent when the source has none', async () => {
    assert.equal(await applyConfigFile(noDb, target, checkout({ 'a.txt': 'x' }), () => {}), undefined);
  });

  it('fails with every problem in the log and the first ones in the error', async () => {
    const lines: string[] = [];
    const dir = checkout({ 'berth.json': '{\n  "replicas": 0,\n  "healthcheck": { "path": "up" }\n}\n' });
    await assert.rejects(
      applyConfigFile(noDb, target, dir, (l) => lines.push(l)),
      {
        code: 'VALIDATION_FAILED',
        message:
          'berth.json line 2: replicas must be >= 1; berth.json line 3: healthcheck.path must start with / and hold only URL path characters (for example /healthz)',
      },
    );
    assert.deepEqual(lines, [
      'berth.json is not valid:',
      '  berth.json line 2: replicas must be >= 1',
      '  berth.json line 3: healthcheck.path must start with / and hold only URL path characters (for example /healthz)',
    ]);
  });

  it('refuses a link out of the checkout and a file over 64 KB', async () => {
    const outside = checkout({ 'berth.json': '{"replicas": 2}' });
    const linked = checkout({});
    symlinkSync(join(outside, 'berth.json'), join(linked, 'berth.json'));
    await assert.rejects(
      applyConfigFile(noDb, target, linked, () => {}),
      /outside it/,
    );
    const big = checkout({ 'berth.json': `{"start": "node a.js"${' '.repeat(MAX_CONFIG_FILE_BYTES)}}` });
    await assert.rejects(
      applyConfigFile(noDb, target, big, () => {}),
      /larger than 64 KB/,
    );
  });

  it('reads the file at the root of the build context', async () => {
    const dir = checkout({ 'berth.json': '{"replicas": 0}' });
    const inContext = { ...target, service: { ...service, build: { context: 'app' } } };
    assert.equal(await applyConfigFile(noDb, inContext, dir, () => {}), undefined, 'the root file is not read');
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'berth.json'), '{"start": 7}');
    await assert.rejects(
      applyConfigFile(noDb, inContext, dir, () => {}),
      {
        message: 'app/berth.json line 1: start must be string',
      },
    );
  });
});

describe('berth.json processes', () => {
  it('declares worker process types with commands Berth can run', () => {
    const ok = parseRepoConfig(
      '{\n  "processes": {\n    "worker": "node worker.js",\n    "clock": "node clock.js"\n  }\n}\n',
    );
    assert.equal(ok.ok, true);
    for (const [name, why] of [
      ['Web', /processes\.Web is not a process type name/],
      ['web', /processes\.web is not a process type name/],
      ['release', /processes\.release is not a process type name/],
    ] as const) {
      const bad = parseRepoConfig(`{\n  "processes": {\n    "${name}": "node x.js"\n  }\n}\n`);
      assert.equal(bad.ok, false);
      if (!bad.ok) assert.match(bad.problems[0]!, why);
      if (!bad.ok) assert.match(bad.problems[0]!, /^berth\.json line 3: /);
    }
    const shell = parseRepoConfig('{\n  "processes": {\n    "worker": "node w.js; rm -rf /"\n  }\n}\n');
    assert.equal(shell.ok, false);
    if (!shell.ok)
      assert.match(shell.problems[0]!, /^berth\.json line 3: processes\.worker is not a command Berth can run/);
  });
});
