/**
 * Resolves a source's host and refuses it when any of its addresses is forbidden (see
 * forbidden-addresses.ts). A DNS lookup is not a connection, so this is safe to run on any input that
 * has passed the syntax checks. Every address must pass: a name that answers with one public and one
 * private address is refused, because the client may pick either.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AppError } from '../errors.js';
import { classifyAddress, describeAddressClass, isForbiddenAddress, type AddressClass } from './forbidden-addresses.js';

export interface SourcePolicy {
  /** BERTH_ALLOW_PRIVATE_SOURCES: allow loopback/private (never link-local metadata) hosts. */
  allowPrivate: boolean;
}

/** Turns a host name into its addresses; replaceable so tests can answer without a DNS server. */
export type HostResolver = (host: string) => Promise<string[]>;

const LOOKUP_TIMEOUT_MS = 5_000;

export const systemResolver: HostResolver = async (host) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('DNS lookup timed out')), LOOKUP_TIMEOUT_MS);
  });
  try {
    const answers = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
    return answers.map((answer) => answer.address);
  } finally {
    clearTimeout(timer);
  }
};

export interface CheckedHost {
  /** Every address the host resolved to, all allowed by the policy. */
  addresses: string[];
  /** True when every address is loopback or private (plain http is accepted only then). */
  onPrivateNetwork: boolean;
}

/** `localhost` and `*.localhost` are loopback by definition (RFC 6761), and curl treats them so without asking DNS. */
function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

async function addressesOf(host: string, field: string, resolver: HostResolver): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return [bare];
  if (isLocalhostName(bare)) return ['127.0.0.1', '::1'];
  let addresses: string[];
  try {
    addresses = await resolver(bare);
  } catch (error) {
    throw new AppError('VALIDATION_FAILED', `The host "${bare}" could not be found (DNS lookup failed).`, {
      cause: error,
      details: { [field]: 'host not found' },
    });
  }
  if (addresses.length === 0) {
    throw new AppError('VALIDATION_FAILED', `The host "${bare}" has no addresses.`, {
      details: { [field]: 'host not found' },
    });
  }
  return addresses;
}

function refusal(host: string, kind: AddressClass, field: string, allowPrivate: boolean): AppError {
  const where = isIP(host.replace(/^\[|\]$/g, '')) ? `The address ${host} is` : `The host "${host}" points to`;
  const hint =
    kind === 'loopback' || kind === 'private'
      ? allowPrivate
        ? ''
        : ' Sources on private networks are refused unless the operator sets BERTH_ALLOW_PRIVATE_SOURCES=true.'
      : ' Berth never fetches sources from such addresses.';
  return new AppError('VALIDATION_FAILED', `${where} ${describeAddressClass(kind)}.${hint}`, {
    details: { [field]: `refused: ${describeAddressClass(kind)}` },
  });
}

/**
 * Resolves `host` (a name, an IPv4 address, or an IPv6 address with or without brackets) and checks
 * every address against the policy. `field` names the input in the error details ("url", "image").
 */
export async function checkHost(
  host: string,
  policy: SourcePolicy,
  field: string,
  resolver: HostResolver = systemResolver,
): Promise<CheckedHost> {
  const addresses = await addressesOf(host, field, resolver);
  let onPrivateNetwork = true;
  for (const address of addresses) {
    const kind = classifyAddress(address);
    if (isForbiddenAddress(address, policy.allowPrivate)) throw refusal(host, kind, field, policy.allowPrivate);
    if (kind === 'public') onPrivateNetwork = false;
  }
  return { addresses, onPrivateNetwork };
}
