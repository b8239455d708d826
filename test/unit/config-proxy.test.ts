import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { DEFAULT_PROXY_SETTINGS, resolveProxySettings } from '../../src/proxy/proxy-settings.js';

describe('proxy settings (BERTH_PROXY_*)', () => {
  it('defaults to the proxy defaults, access log off', () => {
    const { accessLog, ...settings } = loadConfig({}, '/srv').proxy;
    assert.equal(accessLog, false);
    const resolved = resolveProxySettings(settings);
    for (const [name, value] of Object.entries(settings)) {
      assert.equal(resolved[name as keyof typeof settings], value);
      assert.equal(DEFAULT_PROXY_SETTINGS[name as keyof typeof settings], value, name);
    }
  });

  it('reads every setting', () => {
    const proxy = loadConfig(
      {
        BERTH_PROXY_ACCESS_LOG: 'true',
        BERTH_PROXY_HEADERS_TIMEOUT_SECONDS: '5',
        BERTH_PROXY_KEEPALIVE_TIMEOUT_SECONDS: '10',
        BERTH_PROXY_UPSTREAM_TIMEOUT_SECONDS: '300',
        BERTH_PROXY_MAX_HEADER_KB: '32',
        BERTH_PROXY_MAX_CONNECTIONS_PER_IP: '100',
        BERTH_PROXY_MAX_CONNECTIONS: '2000',
        BERTH_PROXY_HTTP2: 'false',
        BERTH_PROXY_HTTP2_MAX_STREAMS: '64',
      },
      '/srv',
    ).proxy;
    assert.deepEqual(
      { ...proxy },
      {
        accessLog: true,
        headersTimeoutMs: 5000,
        keepAliveTimeoutMs: 10_000,
        upstreamTimeoutMs: 300_000,
        maxHeaderSize: 32 * 1024,
        maxConnectionsPerIp: 100,
        maxConnections: 2000,
        http2: false,
        http2MaxConcurrentStreams: 64,
      },
    );
  });

  it('refuses bad values with a one-line error naming the variable', () => {
    for (const [variable, value] of [
      ['BERTH_PROXY_HEADERS_TIMEOUT_SECONDS', '0'],
      ['BERTH_PROXY_UPSTREAM_TIMEOUT_SECONDS', '1.5'],
      ['BERTH_PROXY_MAX_HEADER_KB', '99999'],
      ['BERTH_PROXY_MAX_CONNECTIONS_PER_IP', '-1'],
      ['BERTH_PROXY_ACCESS_LOG', 'maybe'],
      ['BERTH_PROXY_HTTP2', 'h2'],
      ['BERTH_PROXY_HTTP2_MAX_STREAMS', '0'],
    ] as const) {
      assert.throws(
        () => loadConfig({ [variable]: value }, '/srv'),
        (error: unknown) =>
          error instanceof AppError &&
          error.code === 'CONFIG_INVALID' &&
          error.message.startsWith(variable) &&
          !error.message.includes('\n'),
        `${variable}=${value}`,
      );
    }
  });
});
