/** BERTH_IMAGE_REGISTRY and its credentials: accepted shapes, and a clear one-line refusal for the rest. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { isAppError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-config-registry-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const refused = (env: Record<string, string>, pattern: RegExp) =>
  assert.throws(
    () => loadConfig(env, dir),
    (error) => isAppError(error) && error.code === 'CONFIG_INVALID' && pattern.test(error.message),
    JSON.stringify(env),
  );

describe('image registry settings', () => {
  it('is off by default', () => {
    assert.equal(loadConfig({}, dir).imageRegistry, undefined);
  });

  it('reads a registry with a port and a path, and credentials from a file', () => {
    writeFileSync(join(dir, 'password'), 'pa:ss word\n');
    const registry = loadConfig(
      {
        BERTH_IMAGE_REGISTRY: 'registry.internal:5000/team/berth/',
        BERTH_IMAGE_REGISTRY_USERNAME: 'deploy-bot',
        BERTH_IMAGE_REGISTRY_PASSWORD_FILE: 'password',
      },
      dir,
    ).imageRegistry;
    assert.deepEqual(registry, {
      prefix: 'registry.internal:5000/team/berth',
      host: 'registry.internal:5000',
      username: 'deploy-bot',
      password: 'pa:ss word',
    });
    assert.equal(loadConfig({ BERTH_IMAGE_REGISTRY: 'localhost/berth' }, dir).imageRegistry?.host, 'localhost');
  });

  it('refuses what the engine would read as a Docker Hub name, bad paths and half-given credentials', () => {
    refused({ BERTH_IMAGE_REGISTRY: 'berth' }, /registry host/);
    refused({ BERTH_IMAGE_REGISTRY: 'myuser/berth' }, /registry host/);
    refused({ BERTH_IMAGE_REGISTRY: 'registry.internal:5000' }, /repository path/);
    refused({ BERTH_IMAGE_REGISTRY: 'registry.internal/Berth' }, /lowercase repository path/);
    refused({ BERTH_IMAGE_REGISTRY: 'registry.internal:99999/berth' }, /invalid port/);
    refused({ BERTH_IMAGE_REGISTRY: 'https://registry.internal/berth' }, /registry host/);
    refused({ BERTH_IMAGE_REGISTRY: 'registry.internal/berth', BERTH_IMAGE_REGISTRY_USERNAME: 'bot' }, /go together/);
    refused({ BERTH_IMAGE_REGISTRY_USERNAME: 'bot' }, /is not set, but registry credentials are/);
    refused(
      {
        BERTH_IMAGE_REGISTRY: 'registry.internal/berth',
        BERTH_IMAGE_REGISTRY_USERNAME: 'bot',
        BERTH_IMAGE_REGISTRY_PASSWORD_FILE: 'nope',
      },
      /cannot be read \(ENOENT\)/,
    );
    refused(
      { BERTH_IMAGE_REGISTRY: 'registry.internal/berth', BERTH_IMAGE_REGISTRY_USERNAME: 'a b' },
      /USERNAME may hold/,
    );
  });
});
