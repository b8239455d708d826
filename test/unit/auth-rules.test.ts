import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPassword, checkTokenName, normalizeEmail } from '../../src/auth/credentials.js';
import { LoginThrottle } from '../../src/auth/login-throttle.js';
import { safeNextPath } from '../../src/http/plugins/auth-guards.js';

describe('credential rules', () => {
  it('normalises emails and rejects junk', () => {
    assert.equal(normalizeEmail('  Ada@Example.COM '), 'ada@example.com');
    for (const bad of ['', 'ada', 'ada@', '@example.com', 'a b@example.com', 'ada@example', 42, undefined]) {
      assert.throws(() => normalizeEmail(bad), /valid email/);
    }
  });

  it('requires 10 to 72 bytes of password', () => {
    assert.throws(() => checkPassword('123456789'), /at least 10/);
    assert.equal(checkPassword('1234567890'), '1234567890');
    assert.throws(() => checkPassword('é'.repeat(40)), /at most 72 bytes/);
  });

  it('allow-lists token names', () => {
    assert.equal(checkTokenName(' ci deploy-1 '), 'ci deploy-1');
    for (const bad of ['', '-flag', 'a\nb', 'x'.repeat(65), '<script>', '../x']) {
      assert.throws(() => checkTokenName(bad), /token name/i);
    }
  });

  it('keeps post-login redirects on this site', () => {
    assert.equal(safeNextPath('/tokens?x=1'), '/tokens?x=1');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '', 42]) {
      assert.equal(safeNextPath(bad), '/');
    }
  });
});

describe('login throttle', () => {
  it('blocks an account after its limit and frees it after the window', () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle({ perAccount: 3, perAddress: 100, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) {
      assert.equal(throttle.retryAfterMs('a', `ip${i}`), 0);
      throttle.recordFailure('a', `ip${i}`);
      now += 1000;
    }
    assert.ok(throttle.retryAfterMs('a', 'ip9') > 0);
    assert.equal(throttle.retryAfterMs('b', 'ip9'), 0, 'other accounts are unaffected');
    now += 60_000;
    assert.equal(throttle.retryAfterMs('a', 'ip9'), 0);
  });

  it('blocks an address after its limit across accounts; success clears only the account', () => {
    const now = 5_000;
    const throttle = new LoginThrottle({ perAccount: 100, perAddress: 2, windowMs: 60_000 }, () => now);
    throttle.recordFailure('a', 'ip');
    throttle.recordFailure('b', 'ip');
    assert.ok(throttle.retryAfterMs('c', 'ip') > 0);
    throttle.recordSuccess('a');
    assert.ok(throttle.retryAfterMs('c', 'ip') > 0);
  });
});
