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
  const limits = {
    perPair: 3,
    perAddress: 100,
    accountSlowAfter: 2,
    accountDelayMs: 100,
    accountMaxDelayMs: 250,
    windowMs: 60_000,
  };

  it('counts attempts when they start, so parallel ones cannot all pass', () => {
    const throttle = new LoginThrottle(limits, () => 1_000);
    const decisions = Array.from({ length: 10 }, () => throttle.begin('a', 'ip'));
    assert.equal(decisions.filter((d) => d.allowed).length, 3);
  });

  it('blocks one (account, address) pair only, and frees it after the window', () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle(limits, () => now);
    for (let i = 0; i < 3; i++) assert.ok(throttle.begin('a', 'ip1').allowed);
    const refused = throttle.begin('a', 'ip1');
    assert.ok(!refused.allowed && refused.retryAfterMs > 0);
    const owner = throttle.begin('a', 'ip2');
    assert.ok(owner.allowed, 'the same account from another address is not locked out');
    assert.equal(owner.attempt.delayMs, 200, 'only slowed down: two failures beyond the soft limit');
    now += 60_001;
    assert.ok(throttle.begin('a', 'ip1').allowed);
  });

  it('blocks an address spraying accounts; a success or an abandoned attempt does not count', () => {
    const throttle = new LoginThrottle({ ...limits, perAddress: 2 }, () => 5_000);
    const first = throttle.begin('a', 'ip');
    assert.ok(first.allowed);
    first.attempt.succeeded();
    const second = throttle.begin('b', 'ip');
    assert.ok(second.allowed);
    second.attempt.abandoned();
    assert.ok(throttle.begin('c', 'ip').allowed);
    assert.ok(throttle.begin('d', 'ip').allowed);
    assert.ok(!throttle.begin('e', 'ip').allowed);
  });

  it("forgets an account's attempts from before an unlock", () => {
    let now = 10_000;
    const throttle = new LoginThrottle(limits, () => now);
    for (let i = 0; i < 3; i++) throttle.begin('a', 'ip');
    assert.ok(!throttle.begin('a', 'ip').allowed);
    now += 1;
    assert.ok(throttle.begin('a', 'ip', now - 1).allowed);
  });
});
