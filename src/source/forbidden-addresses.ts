/**
 * Which IP addresses a git or image source may point at. Sources are fetched by the daemon, which sits
 * next to the host's private network and, on a cloud VM, next to the metadata service that hands out
 * credentials: a user-supplied URL must not become a way to reach those (SSRF).
 *
 * Every address falls in one class. Only `public` is always allowed; `loopback` and `private` are
 * allowed when the operator opts in (BERTH_ALLOW_PRIVATE_SOURCES); everything else (link-local, the
 * metadata endpoints, unspecified, multicast, reserved, unparsable) is never allowed.
 */
import { isIP } from 'node:net';

export type AddressClass =
  'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified' | 'multicast' | 'reserved' | 'invalid';

interface Range {
  bytes: number[];
  bits: number;
  kind: AddressClass;
}

function v4(cidr: string, kind: AddressClass): Range {
  const [address, bits] = cidr.split('/');
  return { bytes: parseIpv4(address!)!, bits: Number(bits), kind };
}

function v6(cidr: string, kind: AddressClass): Range {
  const [address, bits] = cidr.split('/');
  return { bytes: parseIpv6(address!)!, bits: Number(bits), kind };
}

// First match wins, so the narrow metadata entries come before the ranges that contain them.
const IPV4_RANGES: readonly Range[] = [
  v4('100.100.100.200/32', 'metadata'), // Alibaba Cloud metadata, inside the shared 100.64/10 range
  v4('0.0.0.0/8', 'unspecified'), // "this network": 0.0.0.0 reaches the local host on Linux
  v4('127.0.0.0/8', 'loopback'),
  v4('10.0.0.0/8', 'private'),
  v4('172.16.0.0/12', 'private'),
  v4('192.168.0.0/16', 'private'),
  v4('100.64.0.0/10', 'private'), // carrier-grade NAT, used for internal networks too
  v4('198.18.0.0/15', 'private'), // benchmarking networks
  v4('169.254.0.0/16', 'link-local'), // AWS, GCP, Azure and others serve metadata on 169.254.169.254
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'reserved'),
  v4('198.51.100.0/24', 'reserved'),
  v4('203.0.113.0/24', 'reserved'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'), // includes the broadcast address 255.255.255.255
];

const IPV6_RANGES: readonly Range[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('fd00:ec2::254/128', 'metadata'), // AWS metadata over IPv6, inside the unique-local range
  v6('64:ff9b:1::/48', 'private'), // local-use NAT64
  v6('100::/64', 'reserved'), // discard prefix
  v6('2001::/32', 'reserved'), // Teredo: hides an IPv4 address we cannot check
  v6('2001:db8::/32', 'reserved'), // documentation
  v6('fc00::/7', 'private'), // unique local addresses
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'private'), // deprecated site-local
  v6('ff00::/8', 'multicast'),
];

/** IPv6 ranges that carry an IPv4 address, which is what the packets finally reach. */
const EMBEDDED_IPV4: readonly { prefix: Range; offset: number }[] = [
  { prefix: v6('::ffff:0:0/96', 'reserved'), offset: 12 }, // IPv4-mapped
  { prefix: v6('::/96', 'reserved'), offset: 12 }, // IPv4-compatible (deprecated)
  { prefix: v6('64:ff9b::/96', 'reserved'), offset: 12 }, // NAT64
  { prefix: v6('2002::/16', 'reserved'), offset: 2 }, // 6to4
];

const GLOBAL_UNICAST = v6('2000::/3', 'public');

/** Dotted-quad IPv4 only: the URL parser has already turned decimal, octal and hex spellings into this. */
function parseIpv4(text: string): number[] | null {
  if (isIP(text) !== 4) return null;
  return text.split('.').map(Number);
}

function parseIpv6(text: string): number[] | null {
  const address = text.replace(/^\[|\]$/g, '').split('%')[0]!;
  if (isIP(address) !== 6) return null;
  let groupsText = address;
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  if (tail.includes('.')) {
    const quad = parseIpv4(tail);
    if (!quad) return null;
    const high = ((quad[0]! << 8) | quad[1]!).toString(16);
    const low = ((quad[2]! << 8) | quad[3]!).toString(16);
    groupsText = `${address.slice(0, lastColon + 1)}${high}:${low}`;
  }
  const [left, right] = groupsText.split('::') as [string, string | undefined];
  const leftGroups = left ? left.split(':') : [];
  const rightGroups = right ? right.split(':') : [];
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups = [...leftGroups, ...Array<string>(right === undefined ? 0 : missing).fill('0'), ...rightGroups];
  if (groups.length !== 8) return null;
  return groups.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

function inRange(bytes: readonly number[], range: Range): boolean {
  if (bytes.length !== range.bytes.length) return false;
  let bits = range.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}

function classifyIpv4(bytes: readonly number[]): AddressClass {
  return IPV4_RANGES.find((range) => inRange(bytes, range))?.kind ?? 'public';
}

function classifyIpv6(bytes: readonly number[]): AddressClass {
  const exact = IPV6_RANGES.find((range) => range.bits === 128 && inRange(bytes, range));
  if (exact) return exact.kind;
  for (const { prefix, offset } of EMBEDDED_IPV4) {
    if (inRange(bytes, prefix)) return classifyIpv4(bytes.slice(offset, offset + 4));
  }
  const range = IPV6_RANGES.find((r) => inRange(bytes, r));
  if (range) return range.kind;
  return inRange(bytes, GLOBAL_UNICAST) ? 'public' : 'reserved';
}

/** The class of an IP address (IPv6 may be bracketed or carry a zone). Anything unparsable is `invalid`. */
export function classifyAddress(ip: string): AddressClass {
  const quad = parseIpv4(ip);
  if (quad) return classifyIpv4(quad);
  const bytes = parseIpv6(ip);
  return bytes ? classifyIpv6(bytes) : 'invalid';
}

/** True when Berth must not connect to `ip` on a user's behalf. Fails closed on anything unparsable. */
export function isForbiddenAddress(ip: string, allowPrivate: boolean): boolean {
  const kind = classifyAddress(ip);
  if (kind === 'public') return false;
  return !(allowPrivate && (kind === 'loopback' || kind === 'private'));
}

/** Words for error messages: "a loopback address", ... */
export function describeAddressClass(kind: AddressClass): string {
  switch (kind) {
    case 'loopback':
      return 'a loopback address (this server itself)';
    case 'private':
      return 'a private network address';
    case 'link-local':
      return 'a link-local address (where cloud metadata services live)';
    case 'metadata':
      return 'a cloud metadata service address';
    case 'unspecified':
      return 'an unspecified address (0.0.0.0 or ::)';
    case 'multicast':
      return 'a multicast address';
    case 'reserved':
      return 'a reserved address';
    case 'invalid':
      return 'something that is not an IP address';
    case 'public':
      return 'a public address';
  }
}
