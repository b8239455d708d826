import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SecretBox } from '../../src/lib/secret-box.js';

describe('secret box', () => {
  const box = new SecretBox(randomBytes(32).toString('base64url'));

  it('round-trips any text, byte for byte, and never stores it in the clear', () => {
    const value = 'line1\nline2 $HOME "quoted" \'single\' ${{db.URL}} é 🚢';
    const sealed = box.encrypt(value);
    assert.equal(box.decrypt(sealed), value);
    assert.ok(!sealed.includes('line1'));
    assert.notEqual(box.encrypt(value), sealed, 'a fresh nonce each time');
  });

  it('refuses tampered data and another key', () => {
    const sealed = box.encrypt('secret');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other!').toString('base64url');
    assert.throws(() => box.decrypt(parts.join('.')), /could not be decrypted/);
    assert.throws(() => new SecretBox(randomBytes(32).toString('base64url')).decrypt(sealed), /could not be decrypted/);
  });
});
