/**
 * The only place Berth runs openssl: a short-lived self-signed certificate, served for a name until its
 * real certificate is issued (so HTTPS answers at once instead of hanging) and for names Berth does not
 * know. openssl is spawned with an argv array and the name is validated first: no shell, no injection.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { runProgram } from '../lib/exec.js';

const NAME = /^[a-z0-9.-]{1,253}$/;

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

/** A P-256 self-signed certificate for `hostname`, valid 30 days. */
export async function createSelfSignedCertificate(hostname: string): Promise<KeyPair> {
  if (!NAME.test(hostname)) throw new AppError('VALIDATION_FAILED', `not a hostname for a certificate: ${hostname}`);
  const dir = await mkdtemp(join(tmpdir(), 'berth-selfsigned-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    await runProgram('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '30',
      '-subj',
      `/O=Berth (certificate not issued yet)/CN=${hostname}`,
      '-addext',
      `subjectAltName=DNS:${hostname}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
    return { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
