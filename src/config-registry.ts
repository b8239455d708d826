/**
 * The image registry settings of src/config.ts. With BERTH_IMAGE_REGISTRY set (`host[:port]/path`, e.g.
 * `registry.internal:5000/berth`), every image Berth builds is also pushed there as
 * `<registry>/<service id>:<deployment id>`, so that cluster nodes other than the one that built it can
 * pull it (the Kubernetes scheduler with more than one node). Credentials: BERTH_IMAGE_REGISTRY_USERNAME and
 * a file holding the password (BERTH_IMAGE_REGISTRY_PASSWORD_FILE: a file, so the secret is not in the
 * daemon's environment for every child process to inherit). Unset: images stay on the engine that built them.
 * config.ts is still the only reader of the environment and hands the values in.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from './errors.js';

type Env = Record<string, string | undefined>;

export interface ImageRegistryConfig {
  /** `host[:port]/path` without a trailing slash; image references start with it. */
  readonly prefix: string;
  /** The host part (with port): what credentials are for. */
  readonly host: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
}

export interface RegistryConfig {
  readonly imageRegistry: ImageRegistryConfig | undefined;
}

// A DNS name or IPv4 address, an optional port, then lowercase repository path parts (the registry's own grammar).
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*(?::\d{1,5})?$/;
const PATH_PART = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const USERNAME = /^[A-Za-z0-9._@+-]{1,128}$/;
const MAX_PASSWORD_BYTES = 4096;

function fail(variable: string, message: string): never {
  throw new AppError('CONFIG_INVALID', `${variable} ${message}`);
}

function readPrefix(raw: string): { prefix: string; host: string } {
  const trimmed = raw.replace(/\/+$/, '');
  const [host, ...path] = trimmed.split('/');
  // The engine takes a first part with a dot, a colon or "localhost" as a registry host; anything else
  // would silently mean Docker Hub.
  if (!host || !HOST.test(host) || !(host.includes('.') || host.includes(':') || host === 'localhost'))
    fail('BERTH_IMAGE_REGISTRY', `must start with a registry host such as "registry.internal:5000", got "${raw}"`);
  const port = host.includes(':') ? Number(host.slice(host.lastIndexOf(':') + 1)) : 443;
  if (port < 1 || port > 65535) fail('BERTH_IMAGE_REGISTRY', `has an invalid port in "${raw}"`);
  if (path.length === 0 || !path.every((part) => PATH_PART.test(part)))
    fail('BERTH_IMAGE_REGISTRY', `needs a lowercase repository path after the host ("${host}/berth"), got "${raw}"`);
  if (trimmed.length > 200) fail('BERTH_IMAGE_REGISTRY', 'is longer than 200 characters');
  return { prefix: trimmed, host };
}

function readPassword(env: Env, cwd: string): string | undefined {
  const file = env.BERTH_IMAGE_REGISTRY_PASSWORD_FILE;
  if (!file) return undefined;
  if (/[\0\r\n]/.test(file)) fail('BERTH_IMAGE_REGISTRY_PASSWORD_FILE', 'must be a plain file path');
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    fail('BERTH_IMAGE_REGISTRY_PASSWORD_FILE', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const password = text.replace(/\r?\n$/, '');
  if (password.length === 0 || Buffer.byteLength(password) > MAX_PASSWORD_BYTES)
    fail('BERTH_IMAGE_REGISTRY_PASSWORD_FILE', `must hold a password of 1 to ${MAX_PASSWORD_BYTES} bytes`);
  return password;
}

export function readRegistryConfig(env: Env, cwd: string): RegistryConfig {
  const raw = env.BERTH_IMAGE_REGISTRY;
  if (!raw) {
    if (env.BERTH_IMAGE_REGISTRY_USERNAME || env.BERTH_IMAGE_REGISTRY_PASSWORD_FILE)
      fail('BERTH_IMAGE_REGISTRY', 'is not set, but registry credentials are: set the registry too');
    return Object.freeze({ imageRegistry: undefined });
  }
  const { prefix, host } = readPrefix(raw);
  const username = env.BERTH_IMAGE_REGISTRY_USERNAME || undefined;
  if (username !== undefined && !USERNAME.test(username))
    fail('BERTH_IMAGE_REGISTRY_USERNAME', 'may hold 1 to 128 letters, digits and . _ @ + -');
  const password = readPassword(env, cwd);
  if ((username === undefined) !== (password === undefined))
    fail('BERTH_IMAGE_REGISTRY_USERNAME', 'and BERTH_IMAGE_REGISTRY_PASSWORD_FILE go together: set both or neither');
  return Object.freeze({ imageRegistry: Object.freeze({ prefix, host, username, password }) });
}
