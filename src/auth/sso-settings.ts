/**
 * Single sign-on settings, one JSON value in the settings table (the client secret inside it sealed with the
 * SecretBox), and their allow-list validation. "Disable local login" is accepted only once a server admin
 * has signed in through SSO (recorded by sso.service.ts), so nobody can lock everyone out by a typo.
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { User } from './auth.types.js';
import { deleteSetting, readSetting, writeSetting } from './settings.repository.js';

const SETTING = 'sso_settings';
export const ADMIN_SIGNED_IN_SETTING = 'sso_admin_signed_in_at';

export type SsoRole = Extract<User['role'], 'admin' | 'member'>;

export interface SsoSettings {
  issuer: string;
  clientId: string;
  clientSecretEncrypted: string;
  allowedDomains: string[];
  groupClaim: string;
  /** Group name → the server role a NEW account gets (first match that says admin wins). */
  groupRoles: Record<string, SsoRole>;
  disableLocalLogin: boolean;
}

export interface SsoSettingsInput {
  issuer?: string;
  clientId?: string;
  /** Empty keeps the stored secret. */
  clientSecret?: string;
  allowedDomains?: string;
  groupClaim?: string;
  groupRoles?: string;
  disableLocalLogin?: string;
}

const CLIENT_ID = /^[\x21-\x7e]{1,255}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CLAIM = /^[A-Za-z0-9_:./-]{1,100}$/;
const GROUP = /^[A-Za-z0-9 _:./@-]{1,200}$/;
const MAX_MAPPINGS = 100;

function invalid(field: string, message: string, detail: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { details: { [field]: detail } });
}

export async function readSsoSettings(db: Db): Promise<SsoSettings | undefined> {
  const raw = await readSetting(db, SETTING);
  return raw === undefined ? undefined : (JSON.parse(raw) as SsoSettings);
}

export async function writeSsoSettings(db: Db, settings: SsoSettings): Promise<void> {
  await writeSetting(db, SETTING, JSON.stringify(settings));
}

/** Forgets single sign-on entirely: its settings (password login works again) and whether an admin used it. */
export async function removeSsoSettings(db: Db): Promise<void> {
  await deleteSetting(db, SETTING);
  await deleteSetting(db, ADMIN_SIGNED_IN_SETTING);
}

export async function adminSignedInAt(db: Db): Promise<string | undefined> {
  return readSetting(db, ADMIN_SIGNED_IN_SETTING);
}

function parseIssuer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid('issuer', 'The issuer must be a URL, like https://id.example.com/realms/main.', 'not a URL');
  }
  if (!['https:', 'http:'].includes(url.protocol) || url.username || url.password || url.search || url.hash) {
    throw invalid('issuer', 'The issuer must be an http(s) URL without credentials, query or fragment.', 'not allowed');
  }
  return url.href.replace(/\/$/, '');
}

function parseDomains(raw: string): string[] {
  const domains = raw
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean);
  if (domains.length === 0) {
    throw invalid('allowedDomains', 'List at least one email domain that may sign in (like example.com).', 'required');
  }
  for (const domain of domains) {
    if (!DOMAIN.test(domain)) throw invalid('allowedDomains', `"${domain}" is not a domain name.`, 'not a domain');
  }
  return [...new Set(domains)];
}

/** Lines of `group = role`, role admin or member. */
function parseGroupRoles(raw: string): Record<string, SsoRole> {
  const roles: Record<string, SsoRole> = {};
  const lines = raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length > MAX_MAPPINGS) throw invalid('groupRoles', `At most ${MAX_MAPPINGS} mappings.`, 'too many');
  for (const line of lines) {
    const match = /^(.+?)\s*=\s*(admin|member)$/.exec(line);
    if (!match || !GROUP.test(match[1]!)) {
      throw invalid('groupRoles', `"${line}" is not "group = admin" or "group = member".`, 'group = admin|member');
    }
    roles[match[1]!] = match[2] as SsoRole;
  }
  return roles;
}

/** Checks a settings form and merges it with what is stored (an empty secret keeps the stored one). */
export function parseSsoSettings(
  input: SsoSettingsInput,
  stored: SsoSettings | undefined,
  box: SecretBox,
  hasAdminSignedIn: boolean,
): SsoSettings {
  const issuer = parseIssuer(input.issuer ?? '');
  const clientId = (input.clientId ?? '').trim();
  if (!CLIENT_ID.test(clientId)) throw invalid('clientId', 'Enter the client id the provider gave Berth.', 'required');
  const secret = (input.clientSecret ?? '').trim();
  if (!secret && !stored) throw invalid('clientSecret', 'Enter the client secret.', 'required');
  if (secret.length > 1000) throw invalid('clientSecret', 'The client secret is too long.', 'too long');
  const groupClaim = (input.groupClaim ?? '').trim() || 'groups';
  if (!CLAIM.test(groupClaim))
    throw invalid('groupClaim', 'The group claim is a claim name, like groups.', 'not a name');
  const disableLocalLogin = input.disableLocalLogin === 'on' || input.disableLocalLogin === 'true';
  if (disableLocalLogin && !hasAdminSignedIn) {
    throw new AppError(
      'CONFLICT',
      'Local login can be turned off only after a server admin has signed in through single sign-on once.',
      { details: { disableLocalLogin: 'sign in through SSO as an admin first' } },
    );
  }
  return {
    issuer,
    clientId,
    clientSecretEncrypted: secret ? box.encrypt(secret) : stored!.clientSecretEncrypted,
    allowedDomains: parseDomains(input.allowedDomains ?? ''),
    groupClaim,
    groupRoles: parseGroupRoles(input.groupRoles ?? ''),
    disableLocalLogin,
  };
}
