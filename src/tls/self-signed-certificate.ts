/**
 * A short-lived self-signed certificate, served for a name until its real certificate is issued (so HTTPS
 * answers at once instead of hanging) and for names Berth does not know. Made in-process with node:crypto
 * (a P-256 key, an ECDSA-SHA256 signature) and a few lines of DER (tls/der.ts), so neither an openssl
 * binary (the container image has none) nor a certificate library is needed: the proxy's workers make the
 * fallback on their first start, and a library for it cost every one of them ~19 MB of resident memory.
 */
import { generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { AppError } from '../errors.js';
import {
  bitString,
  boolean,
  contextTag,
  ia5Tag,
  integer,
  octetString,
  oid,
  sequence,
  set,
  time,
  utf8String,
} from './der.js';

const NAME = /^[a-z0-9.-]{1,253}$/;
const VALID_DAYS = 30;
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';
const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';
const EXTENDED_KEY_USAGE = '2.5.29.37';
const SUBJECT_ALT_NAME = '2.5.29.17';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

const newKeyPair = promisify(generateKeyPair);

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** The X.509 v3 certificate body: issuer = subject, the server-only extensions a browser expects. */
function certificateBody(hostname: string, publicKey: KeyObject, now: number): Buffer {
  const name = sequence(
    set(sequence(oid(COMMON_NAME), utf8String(hostname))),
    set(sequence(oid(ORGANIZATION), utf8String('Berth (certificate not issued yet)'))),
  );
  // Positive 128-bit serial, first byte non-zero so the INTEGER needs no padding (RFC 5280 allows 20 bytes).
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  return sequence(
    contextTag(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    sequence(oid(ECDSA_WITH_SHA256)),
    name,
    sequence(time(new Date(now - 60_000)), time(new Date(now + VALID_DAYS * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    contextTag(
      3,
      sequence(
        extension(BASIC_CONSTRAINTS, true, sequence()), // not a CA
        extension(KEY_USAGE, true, bitString(Buffer.from([0x80]), 7)), // digitalSignature
        extension(EXTENDED_KEY_USAGE, false, sequence(oid(SERVER_AUTH))),
        extension(SUBJECT_ALT_NAME, false, sequence(ia5Tag(2, hostname))), // dNSName
      ),
    ),
  );
}

const pem = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END ${label}-----\n`;

/** A P-256 self-signed certificate for `hostname`, valid 30 days. */
export async function createSelfSignedCertificate(hostname: string): Promise<KeyPair> {
  if (!NAME.test(hostname)) throw new AppError('VALIDATION_FAILED', `not a hostname for a certificate: ${hostname}`);
  const { publicKey, privateKey } = await newKeyPair('ec', { namedCurve: 'prime256v1' });
  const body = certificateBody(hostname, publicKey, Date.now());
  const signature = sign('sha256', body, { key: privateKey, dsaEncoding: 'der' });
  const certificate = sequence(body, sequence(oid(ECDSA_WITH_SHA256)), bitString(signature));
  return {
    certPem: pem('CERTIFICATE', certificate),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}
