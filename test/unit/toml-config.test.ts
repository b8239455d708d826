/**
 * berth.toml: the TOML form of berth.json (src/lib/toml-document.ts, then the same schema and rules in
 * src/repo-config/parse-repo-config.ts). A valid file gives the same settings as its JSON twin; a syntax
 * error names its line; a schema error names the field and its line; both files at once fail the deploy.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Db } from '../../src/db/connection.js';
import { parseToml } from '../../src/lib/toml-document.js';
import { DEFAULT_HEALTHCHECK, type AppService } from '../../src/projects/service.types.js';
import { applyConfigFile } from '../../src/repo-config/deploy-hook.js';
import { parseRepoConfig } from '../../src/repo-config/parse-repo-config.js';

const VALID = `
start = "node server.js --port 3000"
release = "npm run migrate"
replicas = 2

[build]
builder = "dockerfile"
dockerfilePath = "docker/Dockerfile"
watchPaths = ["src/**", "package.json"]

[healthcheck]
path = "/healthz"
timeoutSeconds = 30

[variables]
DATABASE_URL = "\${{db.DATABASE_URL}}"
LOG_LEVEL = "info"

[environments.staging]
replicas = 1
`;

describe('berth.toml', () => {
  it('a valid file gives the same settings as its berth.json twin', () => {
    const toml = parseRepoConfig(VALID, 'berth.toml');
    assert.ok(toml.ok, toml.ok ? '' : toml.problems.join('\n'));
    const json = parseRepoConfig(
      JSON.stringify({
        start: 'node server.js --port 3000',
        release: 'npm run migrate',
        replicas: 2,
        build: { builder: 'dockerfile', dockerfilePath: 'docker/Dockerfile', watchPaths: ['src/**', 'package.json'] },
        healthcheck: { path: '/healthz', timeoutSeconds: 30 },
        variables: { DATABASE_URL: '${{db.DATABASE_URL}}', LOG_LEVEL: 'info' },
        environments: { staging: { replicas: 1 } },
      }),
    );
    assert.ok(json.ok);
    assert.deepEqual(toml.config, json.config);
  });

  it('a syntax error names its line', () => {
    const parsed = parseRepoConfig('start = "node a.js"\nreplicas = 2\n[healthcheck\npath = "/"\n', 'berth.toml');
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.problems[0]!, /^berth\.toml line 3: /);
  });

  it('a duplicate key is a syntax error with its line', () => {
    const problems = parseToml('replicas = 1\nstart = "a"\nreplicas = 2\n').problems;
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.line, 3);
  });

  it('a schema error names the field and its line', () => {
    const text =
      'start = "node a.js"\n\n[healthcheck]\ntimeoutSeconds = 30\npath = "healthz"\n\n[resources]\nmemoryMb = 1\n';
    const parsed = parseRepoConfig(text, 'berth.toml');
    assert.equal(parsed.ok, false);
    const problems = parsed.ok ? [] : parsed.problems;
    assert.ok(
      problems.includes(
        'berth.toml line 5: healthcheck.path must start with / and hold only URL path characters (for example /healthz)',
      ),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('berth.toml line 8: resources.memoryMb must be >= 16')),
      problems.join('\n'),
    );
  });

  it('an unknown key, a dotted key and an inline table are found on their lines', () => {
    const text = 'start = "node a.js"\nhealthcheck.path = "/up"\nresources = { memoryMb = 99999 }\nprivileged = true\n';
    const parsed = parseRepoConfig(text, 'berth.toml');
    const problems = parsed.ok ? [] : parsed.problems;
    assert.ok(
      problems.some((p) => p.startsWith('berth.toml line 3: resources.memoryMb')),
      problems.join('\n'),
    );
    assert.ok(problems.includes('berth.toml line 4: privileged is not a known setting'), problems.join('\n'));
  });

  it('a secret value is refused with the field named', () => {
    const parsed = parseRepoConfig('[variables]\nAPI_TOKEN = "abc123"\n', 'berth.toml');
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.problems[0]!, /^berth\.toml line 2: variables\.API_TOKEN looks like a secret/);
  });

  it('a date is plain text to the schema, not an object', () => {
    assert.deepEqual(parseToml('when = 1979-05-27T07:32:00Z\n').value, { when: '1979-05-27T07:32:00.000Z' });
  });
});

describe('berth.toml in a deploy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-toml-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const service = {
    id: 'svc_1',
    projectId: 'prj_1',
    environmentId: 'env_1',
    name: 'web',
    build: { context: '.' },
    healthcheck: DEFAULT_HEALTHCHECK,
  } as unknown as AppService;

  it('both berth.json and berth.toml: a clear error naming both', async () => {
    writeFileSync(join(dir, 'berth.json'), '{"start": "node a.js"}');
    writeFileSync(join(dir, 'berth.toml'), 'start = "node b.js"\n');
    const target = { deploymentId: 'dep_1', rollbackOf: null, service };
    await assert.rejects(
      applyConfigFile({} as Db, target, dir, () => {}),
      (error: Error) => /berth\.json and berth\.toml are present/.test(error.message),
    );
  });
});
