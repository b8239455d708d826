/**
 * The environment and `-c` settings git runs with when Berth fetches a source, and how credentials
 * reach git without ever appearing in a URL or in argv (argv is world-readable in /proc/<pid>/cmdline;
 * a process's environment is readable only by its own user and root).
 *
 * - Isolation: git gets a fixed PATH, a throwaway HOME and no system config, so no ~/.gitconfig,
 *   credential helper, proxy, `url.insteadOf` or ~/.ssh setting of the host applies, and no helper
 *   can store a token. GIT_ALLOW_PROTOCOL names only the URL's own transport (it overrides every
 *   `protocol.*.allow`, so file://, ext:: and friends are off even for submodules); redirects are not
 *   followed (a redirect could lead to an internal address, or carry the token to another host).
 * - HTTPS token: sent as an `Authorization: Basic` header set through GIT_CONFIG_COUNT/KEY/VALUE
 *   environment config. Chosen over a GIT_ASKPASS script because nothing is written to disk or
 *   executed, git never treats it as a credential (so nothing can cache it), and git's traces redact
 *   Authorization headers.
 * - SSH key: written 0600 into a 0700 temp dir that `cleanup()` removes; GIT_SSH_COMMAND runs ssh
 *   with that key only, batch mode (never a prompt), no user or system ssh config, and host keys
 *   remembered in `knownHostsFile` (accept-new: the first key seen for a host is trusted, a change fails).
 * - DNS rebinding: the address checked by the validator is pinned for the connection itself
 *   (http.curloptResolve for http(s), HostName= for ssh), so a second DNS answer cannot move git to
 *   another address.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AppError } from '../errors.js';
import type { CheckedGitUrl } from './source-validation.js';

export type GitCredentials = { token?: string; username?: string } | { sshPrivateKey: string };

export interface GitProcessSetup {
  env: Record<string, string>;
  /** The throwaway HOME of this fetch: unique, so it also marks every process the fetch starts. */
  home: string;
  /** `-c key=value` settings for every git command; they hold no secret (they end up in argv). */
  config: string[];
  /** Every form of the credentials, for redaction of logs and error messages. */
  secrets: string[];
  /** Removes the temp dir (and with it the key file). Safe to call twice. */
  cleanup(): Promise<void>;
}

/** A fixed search path: the daemon's own environment (and whatever it carries) stays out of git. */
const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** What GIT_SSH_COMMAND may contain: git runs it through `sh -c`, so nothing here may need quoting. */
const SHELL_SAFE = /^[A-Za-z0-9_/.:=@%+,-]+$/;
const DEFAULT_TOKEN_USERNAME = 'x-access-token';
const MAX_SECRET_LENGTH = 16 * 1024;

function credentialsError(message: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { details: { credentials: message } });
}

function isSshKey(credentials: GitCredentials | undefined): credentials is { sshPrivateKey: string } {
  return credentials !== undefined && 'sshPrivateKey' in credentials;
}

function tokenHeader(credentials: { token?: string; username?: string }): { header: string; secrets: string[] } {
  const token = credentials.token ?? '';
  const username = credentials.username || DEFAULT_TOKEN_USERNAME;
  if (token.length > MAX_SECRET_LENGTH || /[\p{Cc}\s]/u.test(token)) {
    throw credentialsError('The access token must be a single line without spaces.');
  }
  if (username.length > 256 || /[\p{Cc}:]/u.test(username)) {
    throw credentialsError('The user name of the token must be one line without ":".');
  }
  const pair = `${username}:${token}`;
  const encoded = Buffer.from(pair, 'utf8').toString('base64');
  return { header: `Authorization: Basic ${encoded}`, secrets: [token, pair, encoded] };
}

function sshCommand(parts: string[]): string {
  for (const part of parts) {
    if (!SHELL_SAFE.test(part)) {
      throw new AppError(
        'INTERNAL',
        'The temp dir or known_hosts path used for ssh may only contain letters, digits and _ / . : = @ % + , -',
      );
    }
  }
  return parts.join(' ');
}

function normaliseKey(key: string): string {
  const text = key.replace(/\r\n?/g, '\n').trim();
  if (
    text.length > MAX_SECRET_LENGTH ||
    !/^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----\n[\s\S]+\n-----END [A-Z0-9 ]*PRIVATE KEY-----$/.test(text)
  ) {
    throw credentialsError(
      'The deploy key must be a private key in OpenSSH or PEM format (-----BEGIN … PRIVATE KEY-----).',
    );
  }
  return `${text}\n`;
}

function formatPinnedAddress(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

export async function prepareGitProcess(
  target: CheckedGitUrl,
  credentials: GitCredentials | undefined,
  knownHostsFile: string | undefined,
): Promise<GitProcessSetup> {
  if (isSshKey(credentials) && target.protocol !== 'ssh') {
    throw credentialsError('A deploy key works only with ssh URLs (ssh://… or git@host:path); use a token for https.');
  }
  if (credentials && !isSshKey(credentials) && credentials.token && target.protocol === 'ssh') {
    throw credentialsError('A token works only with https URLs; use a deploy key for ssh URLs.');
  }
  const home = await mkdtemp(join(tmpdir(), 'berth-git-'));
  const cleanup = () => rm(home, { recursive: true, force: true });
  try {
    const env: Record<string, string> = {
      PATH: SAFE_PATH,
      HOME: home,
      LANG: 'C',
      LC_ALL: 'C',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: 'true',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_ALLOW_PROTOCOL: target.protocol,
    };
    const config = ['http.followRedirects=false', 'submodule.recurse=false', 'advice.detachedHead=false'];
    // A transfer slower than 1 KB/s for a minute is stuck; failing beats hanging until the timeout.
    config.push('http.lowSpeedLimit=1000', 'http.lowSpeedTime=60');
    const secrets: string[] = [];
    const hostIsName = !target.addresses.includes(target.host);

    if (target.protocol !== 'ssh') {
      if (hostIsName) {
        const port = target.port ?? (target.protocol === 'https' ? 443 : 80);
        config.push(
          `http.curloptResolve=${target.host}:${port}:${target.addresses.map(formatPinnedAddress).join(',')}`,
        );
      }
      if (credentials && !isSshKey(credentials) && credentials.token) {
        const { header, secrets: forms } = tokenHeader(credentials);
        Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: header });
        secrets.push(...forms);
      }
    } else {
      const knownHosts = knownHostsFile ?? join(home, 'known_hosts');
      await mkdir(dirname(knownHosts), { recursive: true, mode: 0o700 });
      const parts = ['ssh', '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes'];
      parts.push('-o', 'IdentityAgent=none', '-o', 'StrictHostKeyChecking=accept-new');
      parts.push('-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null');
      parts.push('-o', `HostKeyAlias=${target.host}`, '-o', 'CheckHostIP=no', '-o', `HostName=${target.addresses[0]}`);
      parts.push('-o', 'ConnectTimeout=20', '-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=4');
      if (isSshKey(credentials)) {
        const keyFile = join(home, 'deploy_key');
        await writeFile(keyFile, normaliseKey(credentials.sshPrivateKey), { mode: 0o600, flag: 'wx' });
        parts.push('-i', keyFile);
        secrets.push(...credentials.sshPrivateKey.split(/\r?\n/).filter((line) => line.length >= 16));
      }
      env.GIT_SSH_COMMAND = sshCommand(parts);
    }
    return { env, home, config, secrets, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
