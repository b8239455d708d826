/**
 * Who sent a webhook and whether it is signed with the service's secret. Every comparison is constant-time
 * (crypto.timingSafeEqual on equal-length digests). Provider by header, most specific first: Gitea and
 * Forgejo also send GitHub's headers for compatibility, so they are recognised before GitHub.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type Provider = 'gitea' | 'github' | 'gitlab' | 'bitbucket';
type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

export function detectProvider(headers: Headers): Provider | undefined {
  if (header(headers, 'x-gitea-event') || header(headers, 'x-forgejo-event')) return 'gitea';
  if (header(headers, 'x-gitlab-event')) return 'gitlab';
  if (header(headers, 'x-github-event')) return 'github';
  if (header(headers, 'x-event-key')) return 'bitbucket';
  return undefined;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function hmacHex(secret: string, body: Buffer): Buffer {
  return Buffer.from(createHmac('sha256', secret).update(body).digest('hex'), 'utf8');
}

/** Compares hashes of both sides, so even a length difference takes constant time. */
export function sameSecret(a: string, b: string): boolean {
  return sameBytes(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function isSignedBy(provider: Provider, headers: Headers, body: Buffer, secret: string): boolean {
  const expected = hmacHex(secret, body);
  switch (provider) {
    case 'github': {
      const sent = header(headers, 'x-hub-signature-256') ?? '';
      return sent.startsWith('sha256=') && sameBytes(Buffer.from(sent.slice(7), 'utf8'), expected);
    }
    case 'gitea': {
      const sent = header(headers, 'x-gitea-signature') ?? header(headers, 'x-forgejo-signature') ?? '';
      return sameBytes(Buffer.from(sent, 'utf8'), expected);
    }
    case 'bitbucket': {
      const sent = header(headers, 'x-hub-signature') ?? '';
      return sent.startsWith('sha256=') && sameBytes(Buffer.from(sent.slice(7), 'utf8'), expected);
    }
    case 'gitlab': {
      const sent = header(headers, 'x-gitlab-token');
      return sent !== undefined && sameSecret(sent, secret);
    }
  }
}

/** The provider's delivery id (the same on a redelivery), or a hash of the body when it sends none. */
export function deliveryIdOf(provider: Provider, headers: Headers, body: Buffer): string {
  const candidates: Record<Provider, string[]> = {
    github: ['x-github-delivery'],
    gitea: ['x-gitea-delivery', 'x-forgejo-delivery'],
    gitlab: ['x-gitlab-event-uuid', 'idempotency-key'],
    bitbucket: ['x-request-uuid', 'x-request-id', 'x-hook-uuid'],
  };
  for (const name of candidates[provider]) {
    const value = header(headers, name);
    if (value && /^[A-Za-z0-9{}._:-]{1,128}$/.test(value)) return value;
  }
  return `body-${createHash('sha256').update(body).digest('hex').slice(0, 32)}`;
}

export function eventOf(provider: Provider, headers: Headers): string {
  const name = { github: 'x-github-event', gitea: 'x-gitea-event', gitlab: 'x-gitlab-event', bitbucket: 'x-event-key' }[
    provider
  ];
  const value = header(headers, name) ?? header(headers, 'x-forgejo-event') ?? 'unknown';
  return value.replace(/[^A-Za-z0-9 :_.-]/g, '').slice(0, 64) || 'unknown';
}
