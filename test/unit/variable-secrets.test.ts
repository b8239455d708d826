import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secretForms } from '../../src/lib/redact.js';
import { isSecretName } from '../../src/projects/variables.secrets.js';

describe('which variables are secret', () => {
  it('by name: *_KEY, *_SECRET, *_TOKEN and anything holding PASSWORD or SECRET', () => {
    for (const key of ['API_KEY', 'STRIPE_SECRET', 'GITHUB_TOKEN', 'DB_PASSWORD', 'PASSWORD', 'SECRET_KEY_BASE']) {
      assert.ok(isSecretName(key), key);
    }
    for (const key of ['NODE_ENV', 'PORT', 'GREETING', 'KEYBOARD_LAYOUT', 'TOKENIZER', 'DATABASE_HOST']) {
      assert.ok(!isSecretName(key), key);
    }
  });

  it('is redacted raw, percent-encoded and base64-encoded, but no encoded form is shorter than 8 characters', () => {
    const forms = secretForms('p@ss word/42');
    assert.ok(forms.includes('p@ss word/42'));
    assert.ok(forms.includes('p%40ss%20word%2F42'));
    assert.ok(forms.some((f) => Buffer.from('p@ss word/42').toString('base64').startsWith(f)));
    assert.ok(forms.every((f) => f.length >= 8));
  });
});
