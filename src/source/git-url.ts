/**
 * Syntax of git source URLs, as an allow-list: `https://host/path`, `http://host/path`,
 * `ssh://[user@]host[:port]/path` and the scp-like `user@host:path`. Everything else is refused with a
 * reason: local paths and `file://` (read the server's own files), remote helpers such as `ext::`
 * (run commands), `git://` (no authentication and no encryption), option-like values (`--upload-pack=`).
 *
 * Hosts are canonicalised with the WHATWG URL parser, so `http://2852039166/` and `0x7f.1` become the
 * dotted addresses they really are before any check. The URL handed to git is rebuilt from the parsed
 * parts, so git never sees a spelling the checks did not.
 */
import { AppError } from '../errors.js';

export interface ParsedGitUrl {
  /** The transport git will use. */
  protocol: 'https' | 'http' | 'ssh';
  /** Canonical host: lower-case name, dotted IPv4, or IPv6 without brackets. */
  host: string;
  /** The explicit port, if the URL has one. */
  port: number | undefined;
  /** The normalised URL to give git. */
  url: string;
}

export const MAX_URL_LENGTH = 2048;

const HOSTNAME = /^(?=.{1,253}\.?$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6_BRACKETED = /^\[[0-9a-f:.]+\]$/;
const SSH_USER = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$/;
/** Path characters: enough for every forge's repository paths, nothing a shell or git option parser cares about. */
const URL_PATH = /^\/[A-Za-z0-9._~%+@:=,/-]*$/;
/** ssh paths go to the remote shell (quoted by git); no percent-escapes there, they would not be decoded. */
const SSH_PATH = /^\/[A-Za-z0-9._~+@:=,/-]*$/;
const SCP_PATH = /^[A-Za-z0-9._~+@=,/][A-Za-z0-9._~+@:=,/-]*$/;
const SCP_LIKE = /^(?<user>[^@/]+)@(?<host>\[[^\]/@]*\]|[^:/[\]@]+):(?<path>.*)$/;

function invalid(message: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { details: { url: message } });
}

const CREDENTIALS_MESSAGE =
  'The URL contains a password or token. Remove it from the URL and enter it in the credentials field instead, so it is stored encrypted and never shown in logs.';

/** Turns any spelling of a host into the one the network stack will use, or refuses it. */
function canonicalHost(rawHost: string): string {
  if (/[@/?#]/.test(rawHost)) throw invalid('The URL has an invalid host name.');
  let host: string;
  try {
    host = new URL(`http://${rawHost}/`).hostname;
  } catch {
    throw invalid('The URL has an invalid host name.');
  }
  if (IPV6_BRACKETED.test(host)) return host.slice(1, -1);
  if (IPV4.test(host) || HOSTNAME.test(host)) return host;
  throw invalid('The URL has an invalid host name.');
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function rejectQueryAndFragment(raw: string): void {
  if (/[?#]/.test(raw)) throw invalid('The URL must not contain "?" or "#".');
}

function checkUrlPath(path: string, allowed: RegExp): void {
  if (!allowed.test(path)) {
    throw invalid(
      'The repository path may only contain letters, digits and . _ ~ + @ : = , / - (and % in https URLs).',
    );
  }
}

function parseHttp(raw: string): ParsedGitUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('This is not a valid URL.');
  }
  if (url.username || url.password) throw invalid(CREDENTIALS_MESSAGE);
  rejectQueryAndFragment(raw);
  checkUrlPath(url.pathname, URL_PATH);
  const host = canonicalHost(url.hostname);
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port ? Number(url.port) : undefined;
  const normalised = `${protocol}://${hostForUrl(host)}${port ? `:${port}` : ''}${url.pathname}`;
  return { protocol, host, port, url: normalised };
}

function parseSsh(raw: string): ParsedGitUrl {
  let url: URL;
  try {
    url = new URL(raw.replace(/^(git\+ssh|ssh\+git):/i, 'ssh:'));
  } catch {
    throw invalid('This is not a valid ssh:// URL.');
  }
  if (url.password) throw invalid(CREDENTIALS_MESSAGE);
  if (url.username && !SSH_USER.test(url.username)) throw invalid('The user name in the URL is not valid.');
  rejectQueryAndFragment(raw);
  checkUrlPath(url.pathname, SSH_PATH);
  if (!url.hostname) throw invalid('The URL has no host.');
  const host = canonicalHost(url.hostname);
  const port = url.port ? Number(url.port) : undefined;
  const user = url.username ? `${url.username}@` : '';
  const normalised = `ssh://${user}${hostForUrl(host)}${port ? `:${port}` : ''}${url.pathname}`;
  return { protocol: 'ssh', host, port, url: normalised };
}

function parseScpLike(raw: string): ParsedGitUrl {
  const match = SCP_LIKE.exec(raw);
  const { user, host: rawHost, path } = match!.groups as { user: string; host: string; path: string };
  if (user.includes(':')) throw invalid(CREDENTIALS_MESSAGE);
  if (!SSH_USER.test(user)) throw invalid('The user name in the URL is not valid.');
  if (!SCP_PATH.test(path)) {
    throw invalid('The repository path may only contain letters, digits and . _ ~ + @ : = , / - (after "host:").');
  }
  const host = canonicalHost(rawHost);
  return { protocol: 'ssh', host, port: undefined, url: `${user}@${hostForUrl(host)}:${path}` };
}

/** Refuses dangerous or malformed values; accepts the four supported forms and normalises them. */
export function parseGitUrl(input: unknown): ParsedGitUrl {
  if (typeof input !== 'string') throw invalid('The repository URL must be text.');
  const raw = input.trim();
  if (raw === '') throw invalid('Enter the repository URL.');
  if (raw.length > MAX_URL_LENGTH) throw invalid(`The URL is longer than ${MAX_URL_LENGTH} characters.`);
  if (raw.startsWith('-')) throw invalid('The URL must not start with "-".');
  const lower = raw.toLowerCase();
  if (lower.startsWith('file:')) throw invalid('Local files (file://) cannot be used as a source.');
  if (/^[a-z0-9+.-]+::/.test(lower)) throw invalid('Remote helpers such as ext:: cannot be used as a source.');
  if (/[\s\p{Cc}]/u.test(raw)) throw invalid('The URL must not contain spaces or control characters.');
  if (/[^\x21-\x7e]/.test(raw)) {
    throw invalid('The URL must be plain ASCII (use the punycode form of an international domain name).');
  }
  if (raw.includes('\\')) throw invalid('The URL must not contain backslashes.');

  if (lower.startsWith('https://') || lower.startsWith('http://')) return parseHttp(raw);
  if (/^(ssh|git\+ssh|ssh\+git):\/\//.test(lower)) return parseSsh(raw);
  if (lower.startsWith('git://')) {
    throw invalid('git:// has no authentication or encryption; use the https:// or ssh:// URL of the repository.');
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(lower)) {
    throw invalid('Only https://, http://, ssh:// and git@host:path URLs are supported.');
  }
  if (SCP_LIKE.test(raw)) return parseScpLike(raw);
  throw invalid('Use an https:// or ssh:// URL, or the git@host:owner/repo.git form.');
}
