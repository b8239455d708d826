import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env, '/srv');
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return error.message;
  }
  assert.fail('expected a config error');
}

describe('config', () => {
  it('has sensible defaults', () => {
    const c = loadConfig({}, '/srv');
    assert.equal(c.dataDir, '/srv/data');
    assert.equal(c.panelPort, 3000);
    assert.equal(c.httpPort, 80);
    assert.equal(c.httpsPort, 443);
    assert.equal(c.appsDomain, 'localhost');
    assert.match(c.acmeDirectory, /letsencrypt/);
    assert.deepEqual(c.docker, { kind: 'socket', socketPath: '/var/run/docker.sock' });
    assert.equal(c.allowPrivateSources, false);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.secureCookies, false);
    assert.ok(Object.isFrozen(c));
  });

  it('reads every setting', () => {
    const c = loadConfig(
      {
        BERTH_DATA_DIR: '/var/lib/berth',
        BERTH_PANEL_PORT: '8080',
        BERTH_HTTP_PORT: '8000',
        BERTH_HTTPS_PORT: '8443',
        BERTH_PANEL_DOMAIN: 'Panel.Example.com.',
        BERTH_APPS_DOMAIN: 'apps.example.com',
        BERTH_ACME_DIRECTORY: 'https://127.0.0.1:14000/dir',
        BERTH_ACME_EMAIL: 'ops@example.com',
        BERTH_ALLOW_PRIVATE_SOURCES: 'true',
        DOCKER_HOST: 'tcp://127.0.0.1:2375',
        BERTH_LOG_LEVEL: 'debug',
        BERTH_PUBLIC_URL: 'https://panel.example.com/',
      },
      '/srv',
    );
    assert.equal(c.dataDir, '/var/lib/berth');
    assert.equal(c.panelPort, 8080);
    assert.equal(c.panelDomain, 'panel.example.com');
    assert.deepEqual(c.docker, { kind: 'tcp', host: '127.0.0.1', port: 2375 });
    assert.equal(c.allowPrivateSources, true);
    assert.equal(c.publicUrl, 'https://panel.example.com');
    assert.equal(c.secureCookies, true, 'cookies are Secure when the panel is served over HTTPS');
  });

  it('names the variable of a bad value', () => {
    assert.match(configError({ BERTH_PANEL_PORT: 'abc' }), /^BERTH_PANEL_PORT must be a port/);
    assert.match(configError({ BERTH_HTTP_PORT: '70000' }), /^BERTH_HTTP_PORT /);
    assert.match(configError({ BERTH_HTTPS_PORT: '0' }), /^BERTH_HTTPS_PORT /);
    assert.match(configError({ BERTH_PANEL_DOMAIN: 'bad domain' }), /^BERTH_PANEL_DOMAIN /);
    assert.match(configError({ BERTH_APPS_DOMAIN: 'x'.repeat(64) + '.com' }), /^BERTH_APPS_DOMAIN /);
    assert.match(configError({ BERTH_ACME_DIRECTORY: 'file:///etc/passwd' }), /^BERTH_ACME_DIRECTORY /);
    assert.match(configError({ BERTH_ACME_EMAIL: 'not-an-email' }), /^BERTH_ACME_EMAIL /);
    assert.match(configError({ BERTH_ALLOW_PRIVATE_SOURCES: 'maybe' }), /^BERTH_ALLOW_PRIVATE_SOURCES /);
    assert.match(configError({ DOCKER_HOST: 'ssh://host' }), /^DOCKER_HOST /);
    assert.match(configError({ DOCKER_HOST: 'unix://relative.sock' }), /^DOCKER_HOST /);
    assert.match(configError({ BERTH_LOG_LEVEL: 'loud' }), /^BERTH_LOG_LEVEL /);
    assert.match(configError({ BERTH_TRUSTED_PROXIES: '10.0.0.1,proxy.local' }), /^BERTH_TRUSTED_PROXIES /);
    assert.match(configError({ BERTH_TRUSTED_PROXIES: '10.0.0.0/33' }), /^BERTH_TRUSTED_PROXIES /);
  });

  it('trusts X-Forwarded-For from no proxy unless told, or from loopback when Berth proxies the panel domain', () => {
    assert.deepEqual(loadConfig({}, '/srv').trustedProxies, []);
    assert.deepEqual(loadConfig({ BERTH_TRUSTED_PROXIES: '10.0.0.0/8, ::1' }, '/srv').trustedProxies, [
      '10.0.0.0/8',
      '::1',
    ]);
    assert.deepEqual(loadConfig({ BERTH_PANEL_DOMAIN: 'panel.example.com' }, '/srv').trustedProxies, [
      '127.0.0.1',
      '::1',
    ]);
    const none = loadConfig({ BERTH_PANEL_DOMAIN: 'panel.example.com', BERTH_TRUSTED_PROXIES: 'none' }, '/srv');
    assert.deepEqual(none.trustedProxies, []);
  });
});
