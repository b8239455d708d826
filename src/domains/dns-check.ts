/**
 * Does a domain resolve to this server? Asks the configured resolver (BERTH_DNS_RESOLVER, default: the
 * system's) for A and AAAA records and compares them with this server's public addresses
 * (BERTH_PUBLIC_IPS, default: the addresses of the non-internal network interfaces). No outside service
 * is asked what our address is.
 */
import { Resolver } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';

export type DnsVerdict = 'points-here' | 'points-elsewhere' | 'no-records' | 'lookup-failed';

export interface DnsCheckResult {
  hostname: string;
  verdict: DnsVerdict;
  /** What the name resolves to. */
  addresses: string[];
  /** This server's public addresses, as configured or found. */
  serverAddresses: string[];
  message: string;
}

export interface DnsCheckSettings {
  /** "host:port" or "host"; undefined = the system resolver. */
  resolver: string | undefined;
  publicIps: readonly string[] | undefined;
  timeoutMs?: number;
}

export function serverAddresses(publicIps: readonly string[] | undefined): string[] {
  if (publicIps && publicIps.length > 0) return [...publicIps];
  const found: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) {
      if (!address.internal && !address.address.startsWith('fe80:')) found.push(address.address);
    }
  }
  return found;
}

export async function checkDns(hostname: string, settings: DnsCheckSettings): Promise<DnsCheckResult> {
  const resolver = new Resolver({ timeout: settings.timeoutMs ?? 3000, tries: 2 });
  if (settings.resolver) resolver.setServers([settings.resolver]);
  const ours = serverAddresses(settings.publicIps);
  const results = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
  const addresses = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  const base = { hostname, addresses, serverAddresses: ours };
  if (addresses.length === 0) {
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : undefined));
    const isMissing = codes.every((c) => c === 'ENOTFOUND' || c === 'ENODATA' || c === undefined);
    return isMissing
      ? {
          ...base,
          verdict: 'no-records',
          message: `${hostname} has no A or AAAA record yet. Add one pointing at ${ours.join(' or ') || 'this server'}.`,
        }
      : {
          ...base,
          verdict: 'lookup-failed',
          message: `The DNS lookup of ${hostname} failed (${codes.filter(Boolean).join(', ')}). Try again in a moment.`,
        };
  }
  const stray = addresses.filter((a) => !ours.includes(a));
  if (stray.length === 0) {
    return { ...base, verdict: 'points-here', message: `${hostname} points here (${addresses.join(', ')}).` };
  }
  return {
    ...base,
    verdict: 'points-elsewhere',
    message: `${hostname} resolves to ${stray.join(', ')}, which is not this server (${ours.join(', ') || 'no public address found'}). Change the record, or set BERTH_PUBLIC_IPS if this server is behind NAT.`,
  };
}
