/**
 * The build settings of src/config.ts: a CA bundle that builds trust (BERTH_BUILD_CA_FILE) and the
 * proxy they go through (HTTP_PROXY / HTTPS_PROXY / NO_PROXY). Kept apart so config.ts stays short;
 * config.ts is still the only reader of the environment and hands the values in.
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { AppError } from './errors.js';

type Env = Record<string, string | undefined>;

/** Proxy settings for builds, by the names Docker predefines as build args (never persisted in an image). */
export interface BuildProxy {
  readonly HTTP_PROXY?: string;
  readonly HTTPS_PROXY?: string;
  readonly NO_PROXY?: string;
}

/** A CA bundle is a few hundred kB; anything much larger is not one. */
export const BUILD_CA_MAX_BYTES = 4 * 1024 * 1024;
export const PEM_CERTIFICATE = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----[\s\S]+?-----END (?:TRUSTED )?CERTIFICATE-----/;

function fail(variable: string, message: string): never {
  throw new AppError('CONFIG_INVALID', `${variable} ${message}`);
}

/**
 * BERTH_BUILD_CA_FILE: the absolute real path of a readable regular file holding at least one PEM
 * certificate, or undefined when unset. Checked once at start, so a typo stops the daemon with a clear
 * message instead of failing every build later.
 */
export function readBuildCaFile(env: Env, cwd: string): string | undefined {
  const variable = 'BERTH_BUILD_CA_FILE';
  const raw = env[variable];
  if (raw === undefined || raw === '') return undefined;
  if (/[\0\r\n]/.test(raw)) fail(variable, 'must be a plain file path');
  let path: string;
  let fd: number;
  try {
    path = realpathSync(isAbsolute(raw) ? raw : resolve(cwd, raw));
    fd = openSync(path, 'r');
  } catch (err) {
    return fail(variable, `must name a readable PEM file, but "${raw}" cannot be opened (${(err as Error).message})`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) fail(variable, `must name a regular file, but "${raw}" is not one`);
    if (stat.size > BUILD_CA_MAX_BYTES) fail(variable, `must be a PEM bundle under 4 MB, but "${raw}" is larger`);
    const buffer = Buffer.alloc(stat.size);
    readSync(fd, buffer, 0, stat.size, 0);
    if (!PEM_CERTIFICATE.test(buffer.toString('latin1'))) {
      fail(variable, `must be a PEM bundle (-----BEGIN CERTIFICATE----- blocks), but "${raw}" holds none`);
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** The upper-case name wins, as curl and Docker do; the lower-case one is a fallback. */
function either(env: Env, name: string): string | undefined {
  const value = env[name] || env[name.toLowerCase()];
  return value === undefined || value === '' ? undefined : value;
}

function readProxyUrl(env: Env, name: 'HTTP_PROXY' | 'HTTPS_PROXY'): string | undefined {
  const raw = either(env, name);
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  // The value may hold credentials: never repeat it in the message.
  if (!url || !['http:', 'https:', 'socks5:', 'socks5h:'].includes(url.protocol) || /[\s\0]/.test(raw)) {
    fail(name, 'must be a proxy URL such as http://proxy.internal:3128');
  }
  return raw;
}

export function readBuildProxy(env: Env): BuildProxy {
  const proxy: { -readonly [K in keyof BuildProxy]: BuildProxy[K] } = {};
  const http = readProxyUrl(env, 'HTTP_PROXY');
  const https = readProxyUrl(env, 'HTTPS_PROXY');
  const noProxy = either(env, 'NO_PROXY');
  if (http !== undefined) proxy.HTTP_PROXY = http;
  if (https !== undefined) proxy.HTTPS_PROXY = https;
  if (noProxy !== undefined) {
    if (!/^[A-Za-z0-9.*:/[\]_-]+(\s*,\s*[A-Za-z0-9.*:/[\]_-]+)*$/.test(noProxy.trim())) {
      fail('NO_PROXY', `must be a comma-separated list of hosts, domains or CIDRs, got "${noProxy}"`);
    }
    proxy.NO_PROXY = noProxy.trim();
  }
  return Object.freeze(proxy);
}
