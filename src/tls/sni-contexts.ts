/**
 * Which certificate each TLS handshake gets, chosen by SNI from an in-memory map of SecureContexts.
 * Rotation replaces one map entry: a handshake already running keeps the context it got, the next one
 * gets the new certificate, so a renewal never fails a connection. A name Berth serves but has no
 * certificate for yet gets a self-signed one made on first use (HTTPS answers, the panel says why);
 * unknown names and clients without SNI get the generic fallback.
 */
import { randomBytes } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from '../logger.js';
import { certificateInfo } from './certificate-files.js';
import { createSelfSignedCertificate, type KeyPair } from './self-signed-certificate.js';

// Mozilla "intermediate": TLS 1.3 suites plus forward-secret AEAD suites for TLS 1.2.
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export const FALLBACK_NAME = 'berth.invalid';
// A kept fallback is made anew when it has less than this left (it is valid for 30 days).
const FALLBACK_MIN_LEFT_MS = 7 * 86_400_000;

/** Where the generic fallback certificate is kept between starts. */
export interface FallbackStore {
  read(): Promise<KeyPair | undefined>;
  write(pair: KeyPair): Promise<void>;
}

export class SniContexts {
  private readonly issued = new Map<string, SecureContext>();
  private readonly selfSigned = new Map<string, Promise<SecureContext>>();
  // One set of session ticket keys for every context: a resumed session works whichever context made it.
  private readonly ticketKeys = randomBytes(48);
  private fallback: SecureContext | undefined;
  /** The installed pairs, for a proxy in its own process (src/proxy/process/); it gets them pushed. */
  private readonly pairs = new Map<string, KeyPair>();
  /** Told about every install and removal (the proxy process's connection, in process mode). */
  onChange: ((hostname: string, pair: KeyPair | undefined) => void) | undefined;

  constructor(
    private readonly isServedName: (hostname: string) => boolean,
    private readonly logger: Logger,
    private readonly fallbackStore?: FallbackStore,
  ) {}

  /** Options shared by the server and every context. */
  tlsOptions(): SecureContextOptions & { ticketKeys: Buffer; sessionTimeout: number } {
    return {
      minVersion: 'TLSv1.2',
      ciphers: TLS_CIPHERS,
      honorCipherOrder: true,
      ecdhCurve: 'X25519:prime256v1:secp384r1',
      ticketKeys: this.ticketKeys,
      sessionTimeout: 300,
    };
  }

  /**
   * Loads or makes the generic fallback; call once before the listener accepts connections. It is kept on
   * disk so a restart does not have to load the certificate library just to make it again.
   */
  async init(): Promise<KeyPair> {
    let pair = await this.fallbackStore?.read().catch(() => undefined);
    const usable = pair && isValidFor(pair, FALLBACK_MIN_LEFT_MS);
    if (!pair || !usable) {
      pair = await createSelfSignedCertificate(FALLBACK_NAME);
      await this.fallbackStore
        ?.write(pair)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not keep the fallback certificate'));
    }
    this.fallback = this.contextOf(pair);
    return pair;
  }

  install(hostname: string, pair: KeyPair): void {
    this.issued.set(hostname, this.contextOf(pair));
    this.pairs.set(hostname, pair);
    this.onChange?.(hostname, pair);
  }

  remove(hostname: string): void {
    this.issued.delete(hostname);
    this.selfSigned.delete(hostname);
    this.pairs.delete(hostname);
    this.onChange?.(hostname, undefined);
  }

  installedPairs(): Array<[string, KeyPair]> {
    return [...this.pairs];
  }

  hasIssued(hostname: string): boolean {
    return this.issued.has(hostname);
  }

  readonly sniCallback = (servername: string, callback: (error: Error | null, ctx?: SecureContext) => void) => {
    const name = servername.toLowerCase().replace(/\.$/, '');
    const context = this.issued.get(name);
    if (context) return callback(null, context);
    if (!this.isServedName(name)) return callback(null, this.fallback);
    this.selfSignedFor(name).then(
      (ctx) => callback(null, ctx),
      (error: unknown) => {
        this.logger.error({ err: error, hostname: name }, 'could not make a self-signed certificate');
        callback(null, this.fallback);
      },
    );
  };

  private selfSignedFor(hostname: string): Promise<SecureContext> {
    let pending = this.selfSigned.get(hostname);
    if (!pending) {
      pending = createSelfSignedCertificate(hostname).then((pair) => this.contextOf(pair));
      pending.catch(() => this.selfSigned.delete(hostname));
      this.selfSigned.set(hostname, pending);
    }
    return pending;
  }

  private contextOf(pair: KeyPair): SecureContext {
    const { ticketKeys: _keys, sessionTimeout: _timeout, ...options } = this.tlsOptions();
    const context = createSecureContext({ ...options, cert: pair.certPem, key: pair.keyPem });
    context.context.setTicketKeys?.(this.ticketKeys);
    return context;
  }
}

function isValidFor(pair: KeyPair, ms: number): boolean {
  try {
    return certificateInfo(pair.certPem).notAfter.getTime() - Date.now() > ms;
  } catch {
    return false;
  }
}
