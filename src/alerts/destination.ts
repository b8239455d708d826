/**
 * Where a notification may be sent. Channel URLs and SMTP hosts are user input and the daemon sits next
 * to the host's private network and a cloud's metadata service, so every destination is resolved and
 * checked with the same policy as git and image sources (src/source/host-check.ts) BEFORE any connection
 * is made, and the connection then goes to the checked address (a second DNS answer cannot swap it).
 */
import { isIP } from 'node:net';
import { AppError } from '../errors.js';
import { checkHost, systemResolver, type HostResolver, type SourcePolicy } from '../source/host-check.js';

export interface CheckedDestination {
  /** The host as the user wrote it (for TLS server names and Host headers). */
  host: string;
  /** The checked address to connect to. */
  address: string;
  family: 4 | 6;
}

export async function checkDestination(
  host: string,
  policy: SourcePolicy,
  field: string,
  resolver: HostResolver = systemResolver,
): Promise<CheckedDestination> {
  const bare = host.replace(/^\[|\]$/g, '');
  const { addresses } = await checkHost(bare, policy, field, resolver);
  const address = addresses[0]!;
  return { host: bare, address, family: isIP(address) === 6 ? 6 : 4 };
}

/** A channel URL: http or https, no credentials in it, a host; the address check comes at send time too. */
export function parseChannelUrl(raw: unknown, field = 'url'): URL {
  const invalid = (why: string) => new AppError('VALIDATION_FAILED', `The URL ${why}.`, { details: { [field]: why } });
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048)
    throw invalid('must be given (at most 2048 characters)');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('must start with https:// or http://');
  if (url.username || url.password) throw invalid('must not contain a user name or password');
  if (!url.hostname) throw invalid('has no host');
  return url;
}
