/**
 * Certificates and keys on disk: data/certs/<hostname>/{cert,key}.pem, the directory 0700 and the files
 * 0600, written to a temporary name and renamed so a crash never leaves half a key behind.
 */
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyPair } from './self-signed-certificate.js';

const NAME = /^[a-z0-9.-]{1,253}$/;

export interface CertificateInfo {
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  serialNumber: string;
}

export function certificateInfo(certPem: string): CertificateInfo {
  const leaf = new X509Certificate(certPem);
  const issuer = /(?:^|\n)CN=([^\n]+)/.exec(leaf.issuer)?.[1] ?? leaf.issuer.replace(/\n/g, ', ');
  return {
    issuer,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    serialNumber: leaf.serialNumber,
  };
}

export class CertificateFiles {
  constructor(private readonly dir: string) {}

  async write(hostname: string, pair: KeyPair): Promise<void> {
    const dir = this.dirOf(hostname);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    for (const [name, content] of [
      ['key.pem', pair.keyPem],
      ['cert.pem', pair.certPem],
    ] as const) {
      const temp = join(dir, `.${name}.tmp`);
      await writeFile(temp, content, { mode: 0o600 });
      await chmod(temp, 0o600);
      await rename(temp, join(dir, name));
    }
  }

  async read(hostname: string): Promise<KeyPair | undefined> {
    const dir = this.dirOf(hostname);
    try {
      return {
        certPem: await readFile(join(dir, 'cert.pem'), 'utf8'),
        keyPem: await readFile(join(dir, 'key.pem'), 'utf8'),
      };
    } catch {
      return undefined;
    }
  }

  async remove(hostname: string): Promise<void> {
    await rm(this.dirOf(hostname), { recursive: true, force: true });
  }

  private dirOf(hostname: string): string {
    // Hostnames come from the database, already validated; the check keeps a path out of any surprise.
    if (!NAME.test(hostname) || hostname.includes('..')) throw new Error(`not a certificate name: ${hostname}`);
    return join(this.dir, hostname);
  }
}
