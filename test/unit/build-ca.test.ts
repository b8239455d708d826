/**
 * The build CA and proxy in generated Dockerfiles and build args, without Docker: with
 * BERTH_BUILD_CA_FILE set, every buildpack trusts the bundle in the stage that downloads and only
 * there (never in a runtime stage, never as ENV); without it the Dockerfiles carry no trace of it.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BUILD_CA_VARIABLES, proxyBuildArgs } from '../../src/build/build-ca.js';
import { detectBuild, type BuildPlan } from '../../src/build/detect.js';
import { loadConfig } from '../../src/config.js';

const made: string[] = [];
const withCa = { ...loadConfig({}, '/srv'), buildCaFile: '/etc/ssl/certs/ca-certificates.crt' };
const withoutCa = loadConfig({}, '/srv');

const SOURCES: Record<string, Record<string, string>> = {
  node: { 'package.json': '{"scripts":{"start":"node server.js"}}', 'package-lock.json': '{}' },
  static: { 'package.json': '{"scripts":{"build":"vite build"}}', 'package-lock.json': '{}' },
  python: { 'requirements.txt': 'flask\n', 'app.py': '' },
  go: { 'go.mod': 'module example.com/app\n\ngo 1.22\n', 'main.go': 'package main\nfunc main() {}\n' },
};

async function plan(files: Record<string, string>, config: typeof withoutCa): Promise<BuildPlan> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-build-ca-'));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return detectBuild(dir, {}, config);
}

/** The Dockerfile's stages, each as its lines. */
function stages(dockerfile: string): string[][] {
  const result: string[][] = [];
  for (const line of dockerfile.split('\n')) {
    if (line.startsWith('FROM ')) result.push([]);
    result.at(-1)?.push(line);
  }
  return result;
}

describe('build CA in generated Dockerfiles', () => {
  after(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  for (const [name, files] of Object.entries(SOURCES)) {
    it(`${name}: trusts the CA in the stage that installs, before the install, as ARGs only`, async () => {
      const built = await plan(files, withCa);
      assert.equal(built.kind, 'buildpack');
      const [first, ...rest] = stages(built.dockerfile);
      const text = first!.join('\n');
      const copy = first!.indexOf('COPY .berth-build-ca.pem /usr/local/share/berth/build-ca.pem');
      assert.ok(copy > 0, text);
      for (const variable of BUILD_CA_VARIABLES) {
        assert.ok(
          first!.includes(`ARG ${variable}=/usr/local/share/berth/build-ca.pem`),
          `${variable} missing:\n${text}`,
        );
      }
      const install = first!.findIndex((l) => /^RUN \["(npm|pip|go)"/.test(l));
      assert.ok(install > copy, `the install step runs before the CA is in place:\n${text}`);
      assert.doesNotMatch(built.dockerfile, /^ENV .*(cafile|CA_CERTS|PIP_CERT|SSL_CERT_FILE)/im);
      for (const stage of rest) assert.doesNotMatch(stage.join('\n'), /build-ca/, 'the CA reached a runtime stage');
    });
  }

  it('leaves the Dockerfiles without any trace of it when BERTH_BUILD_CA_FILE is unset', async () => {
    for (const files of Object.values(SOURCES)) {
      const built = await plan(files, withoutCa);
      assert.doesNotMatch(built.kind === 'buildpack' ? built.dockerfile : '', /build-ca|BERTH_BUILD_CA/);
    }
  });
});

describe('proxy build args', () => {
  it('passes each proxy setting under both spellings, and nothing when none is set', () => {
    assert.deepEqual(proxyBuildArgs({ HTTPS_PROXY: 'http://p:3128', NO_PROXY: 'localhost' }), {
      HTTPS_PROXY: 'http://p:3128',
      https_proxy: 'http://p:3128',
      NO_PROXY: 'localhost',
      no_proxy: 'localhost',
    });
    assert.deepEqual(proxyBuildArgs({}), {});
  });
});
