/**
 * The only importer of @peculiar/x509: a short-lived self-signed certificate, served for a name until its
 * real certificate is issued (so HTTPS answers at once instead of hanging) and for names Berth does not
 * know. Made in-process with WebCrypto (P-256), so no openssl binary is needed (the container image has
 * none). acme-client already depends on this library. Loaded on first use: it costs ~19 MB of resident
 * memory, and an idle Berth that keeps its fallback certificate on disk never needs it.
 */
import { randomBytes, webcrypto } from 'node:crypto';
import { AppError } from '../errors.js';

const NAME = /^[a-z0-9.-]{1,253}$/;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const VALID_DAYS = 30;

type X509 = typeof import('@peculiar/x509');
let loaded: Promise<X509> | undefined;

function loadX509(): Promise<X509> {
  return (loaded ??= import('@peculiar/x509').then((x509) => {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  }));
}

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

/** A P-256 self-signed certificate for `hostname`, valid 30 days. */
export async function createSelfSignedCertificate(hostname: string): Promise<KeyPair> {
  if (!NAME.test(hostname)) throw new AppError('VALIDATION_FAILED', `not a hostname for a certificate: ${hostname}`);
  const x509 = await loadX509();
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    // Positive 128-bit serial (first bit cleared), as RFC 5280 asks.
    serialNumber: (randomBytes(16)[0]! & 0x7f).toString(16).padStart(2, '0') + randomBytes(15).toString('hex'),
    name: `CN=${hostname}, O=Berth (certificate not issued yet)`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + VALID_DAYS * 86_400_000),
    signingAlgorithm: ALGORITHM,
    keys: keys as never,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: hostname }]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { certPem: certificate.toString('pem'), keyPem };
}
