/**
 * Where Berth connects and whom it trusts: the Docker endpoint, the DNS resolver for domain checks, the
 * server's public addresses and the proxies allowed to set forwarded headers.
 */
import { isIP } from 'node:net';
import { fail, type Env } from './config-readers.js';

export type DockerEndpoint =
  | { readonly kind: 'socket'; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export function readDnsResolver(env: Env): string | undefined {
  const raw = env.BERTH_DNS_RESOLVER;
  if (raw === undefined || raw === '' || raw === 'system') return undefined;
  const match = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|[0-9a-fA-F:]+)(?::(\d{1,5}))?$/.exec(raw);
  const host = match?.[1]?.replace(/^\[|\]$/g, '');
  if (!match || !host || isIP(host) === 0 || (match[2] !== undefined && Number(match[2]) > 65535)) {
    fail('BERTH_DNS_RESOLVER', `must be a DNS server address such as 1.1.1.1 or 127.0.0.1:8053, got "${raw}"`);
  }
  return raw;
}

export function readPublicIps(env: Env): string[] | undefined {
  const raw = env.BERTH_PUBLIC_IPS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const ips = raw
    .split(',')
    .map((ip) => ip.trim())
    .filter(Boolean);
  for (const ip of ips) {
    if (isIP(ip) === 0) fail('BERTH_PUBLIC_IPS', `must be a comma-separated list of IP addresses, got "${ip}"`);
  }
  return ips;
}

export function readTrustedProxies(env: Env, panelDomain: string | undefined): string[] {
  const raw = (env.BERTH_TRUSTED_PROXIES ?? '').trim();
  if (raw === '') return panelDomain ? ['127.0.0.1', '::1'] : [];
  if (raw === 'none') return [];
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [ip = '', prefix, ...rest] = entry.split('/');
    const family = isIP(ip);
    const bits = family === 4 ? 32 : 128;
    const isPrefixValid = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !isPrefixValid || rest.length > 0)
      fail(
        'BERTH_TRUSTED_PROXIES',
        `must be "none" or a comma-separated list of IP addresses or CIDR ranges, got "${entry}"`,
      );
  }
  return entries;
}

export function readDocker(env: Env): DockerEndpoint {
  const raw = env.DOCKER_HOST;
  if (raw === undefined || raw === '') return { kind: 'socket', socketPath: '/var/run/docker.sock' };
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length);
    if (!socketPath.startsWith('/')) fail('DOCKER_HOST', `must name an absolute socket path, got "${raw}"`);
    return { kind: 'socket', socketPath };
  }
  const tcp = /^tcp:\/\/([a-zA-Z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(raw);
  if (tcp) return { kind: 'tcp', host: tcp[1]!, port: Number(tcp[2]) };
  return fail('DOCKER_HOST', `must look like unix:///var/run/docker.sock or tcp://host:2375, got "${raw}"`);
}
