/** Build settings in the config: BERTH_BUILD_CA_FILE is checked at start, proxy settings are validated without being echoed. */
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-config-build-'));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env, dir);
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.message;
  }
  assert.fail('expected a config error');
}

describe('config: build CA and proxy', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has no build CA and no proxy by default', () => {
    const config = loadConfig({}, dir);
    assert.equal(config.buildCaFile, undefined);
    assert.deepEqual(config.buildProxy, {});
  });

  it('accepts a PEM bundle, relative to the working directory, and keeps its real path', () => {
    writeFileSync(join(dir, 'corp-ca.pem'), `# our proxy's CA\n${PEM}`);
    symlinkSync(join(dir, 'corp-ca.pem'), join(dir, 'link.pem'));
    assert.equal(loadConfig({ BERTH_BUILD_CA_FILE: 'corp-ca.pem' }, dir).buildCaFile, join(dir, 'corp-ca.pem'));
    assert.equal(loadConfig({ BERTH_BUILD_CA_FILE: join(dir, 'link.pem') }, dir).buildCaFile, join(dir, 'corp-ca.pem'));
  });

  it('refuses a missing file, a directory and a file without certificates, naming the variable', () => {
    assert.match(
      configError({ BERTH_BUILD_CA_FILE: 'nope.pem' }),
      /^BERTH_BUILD_CA_FILE must name a readable PEM file/,
    );
    mkdirSync(join(dir, 'certs'));
    assert.match(configError({ BERTH_BUILD_CA_FILE: 'certs' }), /^BERTH_BUILD_CA_FILE must name a regular file/);
    writeFileSync(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n');
    assert.match(configError({ BERTH_BUILD_CA_FILE: 'key.pem' }), /^BERTH_BUILD_CA_FILE must be a PEM bundle/);
  });

  it('reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY, upper case first, lower case as a fallback', () => {
    const config = loadConfig(
      {
        HTTP_PROXY: 'http://proxy:3128',
        http_proxy: 'http://other:1',
        https_proxy: 'http://proxy:3129',
        no_proxy: 'localhost, .corp',
      },
      dir,
    );
    assert.deepEqual(config.buildProxy, {
      HTTP_PROXY: 'http://proxy:3128',
      HTTPS_PROXY: 'http://proxy:3129',
      NO_PROXY: 'localhost, .corp',
    });
  });

  it('refuses a proxy that is not a URL without repeating it (it may hold a password)', () => {
    const message = configError({ HTTPS_PROXY: 'proxy:secret-word@corp' });
    assert.match(message, /^HTTPS_PROXY must be a proxy URL/);
    assert.doesNotMatch(message, /secret-word/);
    assert.match(configError({ HTTP_PROXY: 'ftp://proxy:21' }), /^HTTP_PROXY must be a proxy URL/);
    assert.match(configError({ NO_PROXY: 'localhost;rm -rf' }), /^NO_PROXY must be a comma-separated list/);
  });
});
