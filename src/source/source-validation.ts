/**
 * Allow-list validation of service sources (git URL + branch, image reference), the entry point the
 * projects feature calls. Syntax checks come first and need no network; then the host is resolved
 * (a DNS query, never a connection) and every address is checked against the SSRF policy.
 *
 * Decisions:
 * - `http://` (no TLS) is accepted only for hosts whose every address is loopback or private, and only
 *   when private sources are allowed: on the open internet a man in the middle could swap the code.
 * - `git://` is refused (no authentication, no encryption); so are `file://`, local paths and remote
 *   helpers (`ext::`, which runs commands).
 * - Link-local addresses (169.254/16, fe80::/10) and the metadata endpoints are refused even when
 *   private sources are allowed.
 */
import type { ServiceSource } from '../projects/service.types.js';
import { AppError } from '../errors.js';
import { parseGitUrl, type ParsedGitUrl } from './git-url.js';
import { parseImageRef } from './image-ref.js';
import { checkHost, systemResolver, type HostResolver, type SourcePolicy } from './host-check.js';

export type { SourcePolicy, HostResolver } from './host-check.js';
export { isForbiddenAddress } from './forbidden-addresses.js';

export const DEFAULT_BRANCH = 'main';
const MAX_BRANCH_LENGTH = 200;
const BRANCH_CHARS = /^[A-Za-z0-9._/-]+$/;

/** A git URL that passed every check, with the addresses its host resolved to at that moment. */
export interface CheckedGitUrl extends ParsedGitUrl {
  addresses: string[];
}

function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { details: { [field]: message } });
}

/** Full check of a git URL: syntax, then the host's addresses against the policy. */
export async function checkGitUrl(
  url: unknown,
  policy: SourcePolicy,
  resolver: HostResolver = systemResolver,
): Promise<CheckedGitUrl> {
  const parsed = parseGitUrl(url);
  const host = await checkHost(parsed.host, policy, 'url', resolver);
  if (parsed.protocol === 'http' && !(policy.allowPrivate && host.onPrivateNetwork)) {
    throw invalid(
      'url',
      'Use https:// for this repository. Plain http:// is accepted only for servers on a private network, when BERTH_ALLOW_PRIVATE_SOURCES=true.',
    );
  }
  return { ...parsed, addresses: host.addresses };
}

/** Returns the normalised URL, or throws AppError VALIDATION_FAILED saying what is wrong. */
export async function validateGitUrl(
  url: unknown,
  policy: SourcePolicy,
  resolver: HostResolver = systemResolver,
): Promise<string> {
  return (await checkGitUrl(url, policy, resolver)).url;
}

/**
 * Branch names per git check-ref-format, narrowed to an allow-list. `undefined`, `null` and '' mean
 * the default branch.
 */
export function validateBranch(branch: unknown): string {
  if (branch === undefined || branch === null || branch === '') return DEFAULT_BRANCH;
  if (typeof branch !== 'string') throw invalid('branch', 'The branch must be text.');
  const name = branch.trim();
  if (name.length === 0 || name.length > MAX_BRANCH_LENGTH) {
    throw invalid('branch', `The branch name must be 1 to ${MAX_BRANCH_LENGTH} characters long.`);
  }
  if (!BRANCH_CHARS.test(name)) {
    throw invalid('branch', 'The branch name may only contain letters, digits and . _ / -');
  }
  const reason = branchRuleBroken(name);
  if (reason) throw invalid('branch', `The branch name ${reason}.`);
  return name;
}

function branchRuleBroken(name: string): string | undefined {
  if (name.startsWith('-')) return 'must not start with "-"';
  if (name.startsWith('/') || name.endsWith('/')) return 'must not start or end with "/"';
  if (name.includes('//')) return 'must not contain "//"';
  if (name.includes('..')) return 'must not contain ".."';
  if (name.includes('@{')) return 'must not contain "@{"';
  if (name.endsWith('.')) return 'must not end with "."';
  if (name === 'HEAD') return 'must not be HEAD';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'must not have a part starting with "."';
    if (part.endsWith('.lock')) return 'must not have a part ending in ".lock"';
  }
  return undefined;
}

/** Checks an image reference, and the registry's addresses when it names a registry host. */
export async function validateImageRef(
  image: unknown,
  policy: SourcePolicy,
  resolver: HostResolver = systemResolver,
): Promise<string> {
  const parsed = parseImageRef(image);
  if (parsed.registryHost) await checkHost(parsed.registryHost, policy, 'image', resolver);
  return parsed.reference;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Returns a normalised ServiceSource or throws AppError VALIDATION_FAILED with a clear message.
 * Fields other than the ones below are ignored: credentials are stored by the caller, which adds the
 * `credentials` reference to the result itself.
 */
export async function validateServiceSource(
  input: unknown,
  policy: SourcePolicy,
  resolver: HostResolver = systemResolver,
): Promise<ServiceSource> {
  if (!isRecord(input)) throw invalid('type', 'The source must be an object with a "type".');
  switch (input.type) {
    case 'git': {
      const branch = validateBranch(input.branch);
      const url = await validateGitUrl(input.url, policy, resolver);
      return { type: 'git', url, branch };
    }
    case 'image':
      return { type: 'image', image: await validateImageRef(input.image, policy, resolver) };
    case 'push':
      return { type: 'push', branch: validateBranch(input.branch) };
    default:
      throw invalid('type', 'The source type must be "git", "image" or "push".');
  }
}
