import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_BUILDPACK_IMAGES, loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env, '/srv');
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.message;
  }
  assert.fail('expected a config error');
}

describe('config: buildpack base images', () => {
  it('defaults to the official images', () => {
    const images = loadConfig({}, '/srv').buildpackImages;
    assert.deepEqual(images, {
      node: 'node:20-slim',
      python: 'python:3.12-slim',
      go: 'golang:1.22',
      'go-runtime': 'gcr.io/distroless/static-debian12',
      static: 'node:20-slim',
    });
    assert.deepEqual(images, { ...DEFAULT_BUILDPACK_IMAGES });
    assert.ok(Object.isFrozen(images));
  });

  it('reads BERTH_BUILDPACK_IMAGE_<NAME>, with _ for - in the name', () => {
    const images = loadConfig(
      {
        BERTH_BUILDPACK_IMAGE_NODE: 'berth-test/node:20-slim',
        BERTH_BUILDPACK_IMAGE_STATIC: 'berth-test/busybox:latest',
        BERTH_BUILDPACK_IMAGE_GO_RUNTIME: 'registry.example.com:5000/base/debian:12@sha256:' + 'a'.repeat(64),
        BERTH_BUILDPACK_IMAGE_PYTHON: '',
      },
      '/srv',
    ).buildpackImages;
    assert.equal(images.node, 'berth-test/node:20-slim');
    assert.equal(images.static, 'berth-test/busybox:latest');
    assert.equal(images['go-runtime'], `registry.example.com:5000/base/debian:12@sha256:${'a'.repeat(64)}`);
    assert.equal(images.python, 'python:3.12-slim', 'an empty value keeps the default');
    assert.equal(images.go, 'golang:1.22');
  });

  it('rejects unknown names and values that are not image references', () => {
    assert.match(
      configError({ BERTH_BUILDPACK_IMAGE_NDOE: 'node:20' }),
      /^BERTH_BUILDPACK_IMAGE_NDOE is not a buildpack/,
    );
    assert.match(configError({ BERTH_BUILDPACK_IMAGE_NDOE: 'node:20' }), /BERTH_BUILDPACK_IMAGE_GO_RUNTIME/);
    for (const bad of ['node:20 slim', 'Node:20', '-node', 'node:20\nRUN id', 'node;id', '$(id)', 'node:', 'a//b']) {
      assert.match(
        configError({ BERTH_BUILDPACK_IMAGE_NODE: bad }),
        /^BERTH_BUILDPACK_IMAGE_NODE must be an image reference/,
      );
    }
  });
});
