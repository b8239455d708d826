/**
 * Encryption at rest for variables and credentials: AES-256-GCM with a random 96-bit nonce per value,
 * under a key generated once in the data dir. Format: `v1.<nonce>.<tag>.<ciphertext>` (base64url).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

export class SecretBox {
  private readonly key: Buffer;

  constructor(keyBase64url: string) {
    this.key = Buffer.from(keyBase64url, 'base64url');
    if (this.key.length !== 32) throw new AppError('INTERNAL', 'the encryption key must be 32 bytes');
  }

  encrypt(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v1',
      nonce.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      body.toString('base64url'),
    ].join('.');
  }

  decrypt(sealed: string): string {
    const [version, nonce, tag, body] = sealed.split('.');
    if (version !== 'v1' || nonce === undefined || tag === undefined || body === undefined) {
      throw new AppError('INTERNAL', 'an encrypted value has an unknown format');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new AppError('INTERNAL', 'an encrypted value could not be decrypted (wrong key or tampered data)', {
        cause: error,
      });
    }
  }
}
