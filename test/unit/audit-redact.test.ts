import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditDiff, isSecretKey, redactText, redactValue } from '../../src/audit/audit-redact.js';
import { csvField } from '../../src/audit/audit-export.js';
import { parseAuditFilter } from '../../src/audit/audit-log.js';

describe('audit redaction', () => {
  it('knows secret field names and leaves plain ones', () => {
    for (const key of [
      'password',
      'PGPASSWORD',
      'apiKey',
      'API_KEY',
      'secret',
      'webhook_secret',
      'token',
      'privateKey',
    ]) {
      assert.ok(isSecretKey(key), key);
    }
    for (const key of ['connectionString', 'credentials', 'dsn', 'passphrase']) assert.ok(isSecretKey(key), key);
    for (const key of ['name', 'port', 'hostname', 'healthcheck', 'replicas', 'image', 'branch', 'fingerprint']) {
      assert.ok(!isSecretKey(key), key);
    }
  });

  it('scrubs secrets hidden in text: URL credentials, Berth tokens, PEM keys, secret query parameters', () => {
    assert.equal(redactText('postgres://app:hunter2-long@db:5432/app'), 'postgres://[redacted]@db:5432/app');
    assert.equal(redactText('https://x:ghp_abcdefgh@github.com/a/b.git'), 'https://[redacted]@github.com/a/b.git');
    assert.equal(redactText('use berth_AbCdEfGh12345678 now'), 'use berth_[redacted] now');
    assert.equal(
      redactText('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA\n-----END OPENSSH PRIVATE KEY-----'),
      '[redacted key]',
    );
    assert.equal(
      redactText('https://h/deploy?token=s3cr3t&commit=abc'),
      'https://h/deploy?token=[redacted]&commit=abc',
    );
    assert.equal(redactText('plain words stay'), 'plain words stay');
  });

  it('replaces secret fields of whole objects by "set"', () => {
    assert.deepEqual(redactValue({ user: 'u', password: 'pw', nested: { apiKey: 'k', port: 1 } }), {
      user: 'u',
      password: 'set',
      nested: { apiKey: 'set', port: 1 },
    });
  });

  it('diffs variables as set / changed / removed, never with their values', () => {
    const before = { variables: { KEEP: 'same', CHANGE: 'old-value', DROP: 'gone-value' } };
    const after = { variables: { KEEP: 'same', CHANGE: 'new-value', ADD: 'added-value' } };
    const changes = auditDiff(before, after, { secretPaths: ['variables'] });
    assert.deepEqual(changes, {
      'variables.CHANGE': 'changed',
      'variables.DROP': 'removed',
      'variables.ADD': 'set',
    });
    const text = JSON.stringify(changes);
    for (const value of ['old-value', 'new-value', 'gone-value', 'added-value']) assert.ok(!text.includes(value));
  });

  it('diffs plain settings with before and after, and secret-named ones as marks', () => {
    const changes = auditDiff(
      { port: 3000, healthcheck: { path: '/' }, source: { url: 'https://u:pw12345@git.example/x.git' }, token: 'a' },
      { port: 8080, healthcheck: { path: '/up' }, source: { url: 'https://u:pw67890@git.example/x.git' }, token: 'b' },
    );
    assert.deepEqual(changes, {
      port: { before: 3000, after: 8080 },
      'healthcheck.path': { before: '/', after: '/up' },
      // The URL changed only in its password: the change shows, the password does not.
      'source.url': { before: 'https://[redacted]@git.example/x.git', after: 'https://[redacted]@git.example/x.git' },
      token: 'changed',
    });
  });

  it('lists every field of a created or deleted object, and nothing when nothing changed', () => {
    assert.deepEqual(auditDiff(undefined, { name: 'web', password: 'x' }), {
      name: { after: 'web' },
      password: 'set',
    });
    assert.deepEqual(auditDiff({ name: 'web', password: 'x' }, undefined), {
      name: { before: 'web' },
      password: 'removed',
    });
    assert.equal(auditDiff({ a: 1, list: [1, 2] }, { a: 1, list: [1, 2] }), null);
    assert.equal(auditDiff(undefined, undefined), null);
  });

  it('keeps build args secret whole (a map of values)', () => {
    const changes = auditDiff(
      { build: { buildArgs: { NPM_REG: 'https://r' } } },
      { build: { buildArgs: { NPM_REG: 'https://s', X: '1' } } },
      { secretPaths: ['build.buildArgs'] },
    );
    assert.deepEqual(changes, { 'build.buildArgs.NPM_REG': 'changed', 'build.buildArgs.X': 'set' });
  });
});

describe('audit export and filters', () => {
  it('quotes CSV fields and defuses spreadsheet formulas', () => {
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvField(null), '');
    assert.equal(csvField(42), '42');
  });

  it('parses filters against allow-lists', () => {
    assert.deepEqual(parseAuditFilter({ action: 'service.variables', outcome: 'failure', project: 'prj_abc' }), {
      actionPrefix: 'service.variables',
      outcome: 'failure',
      projectId: 'prj_abc',
    });
    const day = parseAuditFilter({ from: '2026-01-02', to: '2026-01-02' });
    assert.equal(day.from, '2026-01-02T00:00:00.000Z');
    assert.equal(day.to, '2026-01-02T23:59:59.999Z');
    assert.equal(parseAuditFilter({ from: '2026-01-02T10:30' }).from, '2026-01-02T10:30:00.000Z');
    for (const bad of [{ action: "x' OR 1=1" }, { outcome: 'maybe' }, { project: '../x' }, { from: 'yesterday' }]) {
      assert.throws(() => parseAuditFilter(bad), /must/);
    }
  });
});
