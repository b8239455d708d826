import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeDomain, wwwTwinOf } from '../../src/domains/domain-name.js';
import { AppError } from '../../src/errors.js';

describe('custom domain names', () => {
  it('normalises case, a trailing dot, surrounding spaces and international names (punycode)', () => {
    assert.equal(normalizeDomain('App.Example.COM'), 'app.example.com');
    assert.equal(normalizeDomain('app.example.com.'), 'app.example.com');
    assert.equal(normalizeDomain('  shop.example.org  '), 'shop.example.org');
    assert.equal(normalizeDomain('bücher.example'), 'xn--bcher-kva.example');
    assert.equal(normalizeDomain('XN--BCHER-KVA.example'), 'xn--bcher-kva.example');
    assert.equal(normalizeDomain('a-b.c-d.example'), 'a-b.c-d.example');
    assert.equal(normalizeDomain(`${'a'.repeat(63)}.example.com`), `${'a'.repeat(63)}.example.com`);
  });

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['   ', /empty/],
    ['localhost', /needs a dot|localhost/],
    ['app.localhost', /localhost/],
    ['127.0.0.1', /IP address/],
    ['10.0.0.1.', /IP address/],
    ['[::1]', /IP address/],
    ['::1', /IP address/],
    ['1.2.3.999', /IP address/],
    ['example', /needs a dot/],
    ['app example.com', /spaces/],
    ['app.example.com\r\nX-Injected: 1', /spaces or control/],
    ['app.example.com\n', /spaces or control|not/],
    ['app\u0000.example.com', /control/],
    ['http://app.example.com', /scheme, port, path/],
    ['app.example.com:8080', /scheme, port, path/],
    ['app.example.com/path', /scheme, port, path/],
    ['user@app.example.com', /scheme, port, path/],
    ['*.example.com', /wildcard/],
    ['app..example.com', /empty label/],
    ['.example.com', /empty label/],
    ['-app.example.com', /hyphen/],
    ['app-.example.com', /hyphen/],
    ['app_under.example.com', /only letters/],
    [`${'a'.repeat(64)}.example.com`, /longer than 63/],
    [`${'a.'.repeat(130)}com`, /longer than 253/],
    ['app.example.123', /IP address/],
    ['<script>.example.com', /only letters/],
  ];
  for (const [input, reason] of bad) {
    it(`refuses ${JSON.stringify(input)} with a reason`, () => {
      assert.throws(
        () => normalizeDomain(input),
        (error: unknown) =>
          error instanceof AppError && error.code === 'VALIDATION_FAILED' && reason.test(error.message),
      );
    });
  }

  it('never echoes control characters back in the message', () => {
    try {
      normalizeDomain('a.example.com\r\nSet-Cookie: x');
      assert.fail('accepted');
    } catch (error) {
      assert.doesNotMatch((error as Error).message, /[\r\n]/);
    }
  });

  it('pairs www and apex names', () => {
    assert.equal(wwwTwinOf('example.com'), 'www.example.com');
    assert.equal(wwwTwinOf('www.example.com'), 'example.com');
  });
});
