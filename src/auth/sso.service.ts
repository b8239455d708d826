/**
 * Single sign-on through a generic OpenID Connect provider. The provider's addresses go through the same
 * SSRF policy as git sources (src/source/host-check.ts): private and loopback issuers only where the
 * operator allowed private sources. The callback accepts a verified email in an allowed domain only; it
 * finds the account by email or makes one, with the role the provider's groups map to (member by default),
 * and gives an existing account the role its groups map to now, at every sign-in.
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { nowIso } from '../lib/ids.js';
import type { SecretBox } from '../lib/secret-box.js';
import { checkHost, systemResolver, type HostResolver, type SourcePolicy } from '../source/host-check.js';
import type { AuditRecorder } from '../audit/audit-log.js';
import type { AccessChanges } from './access-changes.js';
import type { User } from './auth.types.js';
import { deleteSessionsOfUser } from './members.repository.js';
import {
  beginSignIn,
  describeOidcError,
  finishSignIn,
  type OidcClientSettings,
  type PendingSignIn,
} from './oidc-client.js';
import { isServerAdmin } from './server-admin.js';
import { writeSetting } from './settings.repository.js';
import { setServerRole } from './users.repository.js';
import {
  ADMIN_SIGNED_IN_SETTING,
  adminSignedInAt,
  parseSsoSettings,
  readSsoSettings,
  writeSsoSettings,
  type SsoRole,
  type SsoSettings,
  type SsoSettingsInput,
  removeSsoSettings,
} from './sso-settings.js';
import { createSsoUser, findUserByEmail } from './users.service.js';

export interface SsoDeps {
  db: Db;
  secretBox: SecretBox;
  policy: SourcePolicy;
  /** Where the provider sends people back: <public URL>/login/sso/callback. */
  redirectUri: string;
  resolver?: HostResolver;
  /** Where a role the provider's groups changed is recorded (member.role.sso). */
  audit?: AuditRecorder;
  /** Told when a sign-in lowered someone's role, so their open connections check themselves again. */
  changes?: AccessChanges;
}

/** Where the sign-in came from, for the audit log. */
export interface SignInOrigin {
  address?: string;
  userAgent?: string;
}

/** What the settings form shows: never the secret. */
export interface SsoSettingsView {
  isConfigured: boolean;
  issuer: string;
  clientId: string;
  hasClientSecret: boolean;
  allowedDomains: string;
  groupClaim: string;
  groupRoles: string;
  disableLocalLogin: boolean;
  adminSignedInAt: string | undefined;
  redirectUri: string;
}

const SCOPE = 'openid email profile';

export async function ssoSettingsView(deps: SsoDeps): Promise<SsoSettingsView> {
  const s = await readSsoSettings(deps.db);
  return {
    isConfigured: Boolean(s),
    issuer: s?.issuer ?? '',
    clientId: s?.clientId ?? '',
    hasClientSecret: Boolean(s?.clientSecretEncrypted),
    allowedDomains: s?.allowedDomains.join(', ') ?? '',
    groupClaim: s?.groupClaim ?? 'groups',
    groupRoles: Object.entries(s?.groupRoles ?? {})
      .map(([group, role]) => `${group} = ${role}`)
      .join('\n'),
    disableLocalLogin: s?.disableLocalLogin ?? false,
    adminSignedInAt: await adminSignedInAt(deps.db),
    redirectUri: deps.redirectUri,
  };
}

export async function saveSsoSettings(deps: SsoDeps, input: SsoSettingsInput): Promise<void> {
  const stored = await readSsoSettings(deps.db);
  const hasAdminSignedIn = (await adminSignedInAt(deps.db)) !== undefined;
  const settings = parseSsoSettings(input, stored, deps.secretBox, hasAdminSignedIn);
  await checkHost(new URL(settings.issuer).hostname, deps.policy, 'issuer', deps.resolver ?? systemResolver);
  await writeSsoSettings(deps.db, settings);
}

export async function isSsoEnabled(deps: SsoDeps): Promise<boolean> {
  return Boolean(await readSsoSettings(deps.db));
}

export async function isLocalLoginDisabled(deps: SsoDeps): Promise<boolean> {
  return (await readSsoSettings(deps.db))?.disableLocalLogin === true;
}

/** Turns single sign-on off: the settings go, and the password form is back for everyone who has a password. */
export async function turnOffSso(deps: Pick<SsoDeps, 'db'>): Promise<void> {
  await removeSsoSettings(deps.db);
}

/** The CLI's escape hatch (`berth admin local-login on`): the password form works again. */
export async function enableLocalLogin(deps: Pick<SsoDeps, 'db'>): Promise<void> {
  const settings = await readSsoSettings(deps.db);
  if (settings) await writeSsoSettings(deps.db, { ...settings, disableLocalLogin: false });
}

async function clientSettings(deps: SsoDeps): Promise<{ settings: SsoSettings; client: OidcClientSettings }> {
  const settings = await readSsoSettings(deps.db);
  if (!settings) throw new AppError('NOT_FOUND', 'Single sign-on is not set up on this server.');
  const resolver = deps.resolver ?? systemResolver;
  const issuerHost = await checkHost(new URL(settings.issuer).hostname, deps.policy, 'issuer', resolver);
  return {
    settings,
    client: {
      issuer: settings.issuer,
      clientId: settings.clientId,
      clientSecret: deps.secretBox.decrypt(settings.clientSecretEncrypted),
      allowHttp: settings.issuer.startsWith('http:') && issuerHost.onPrivateNetwork,
      guard: async (url) => {
        await checkHost(url.hostname, deps.policy, 'issuer', resolver);
      },
    },
  };
}

function unreachable(error: unknown): AppError {
  return new AppError('BAD_REQUEST', `The identity provider could not be reached: ${describeOidcError(error)}`, {
    cause: error,
  });
}

export async function beginSso(deps: SsoDeps): Promise<{ url: string; pending: PendingSignIn }> {
  const { client } = await clientSettings(deps);
  try {
    return await beginSignIn(client, deps.redirectUri, SCOPE);
  } catch (error) {
    throw unreachable(error);
  }
}

/** The role the provider's groups give: admin when any of them maps to admin, else member. */
export function roleForGroups(groups: unknown, mapping: Record<string, SsoRole>): SsoRole {
  const list = Array.isArray(groups) ? groups : typeof groups === 'string' ? [groups] : [];
  return list.some((g) => typeof g === 'string' && mapping[g] === 'admin') ? 'admin' : 'member';
}

/**
 * Finishes a sign-in from the callback's query string. Throws INVALID_CREDENTIALS when the response fails a
 * protocol check (state, nonce, audience, expiry, signature) and FORBIDDEN when the person may not sign in.
 */
export async function completeSso(
  deps: SsoDeps,
  query: string,
  pending: PendingSignIn,
  origin: SignInOrigin = {},
): Promise<User> {
  const { settings, client } = await clientSettings(deps);
  const callbackUrl = new URL(deps.redirectUri);
  callbackUrl.search = query;
  let claims: Record<string, unknown>;
  try {
    claims = await finishSignIn(client, callbackUrl, pending, ['email', 'email_verified', settings.groupClaim]);
  } catch (error) {
    throw new AppError('INVALID_CREDENTIALS', `Single sign-on failed: ${describeOidcError(error)}`, { cause: error });
  }
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  if (!email) throw new AppError('FORBIDDEN', 'The identity provider did not share an email address.');
  if (claims.email_verified !== true && claims.email_verified !== 'true') {
    throw new AppError('FORBIDDEN', `The identity provider has not verified ${email}. Verify it there first.`);
  }
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (!settings.allowedDomains.includes(domain)) {
    throw new AppError('FORBIDDEN', `Accounts of ${domain} may not sign in to this Berth.`);
  }
  const groups = claims[settings.groupClaim];
  const existing = await findUserByEmail(deps.db, email);
  const user = existing
    ? await applyGroupRole(deps, existing, roleForGroups(groups, settings.groupRoles), groups != null, origin)
    : await createSsoUser(deps.db, email, roleForGroups(groups, settings.groupRoles));
  if (isServerAdmin(user)) await writeSetting(deps.db, ADMIN_SIGNED_IN_SETTING, nowIso());
  return user;
}

/**
 * The group → role mapping again, at every sign-in: an existing account gets the role its groups give now.
 * The owner keeps ownership whatever the groups say, and a provider that sent no group claim at all changes
 * nothing (it says nothing about groups). A lower role ends the person's other sessions (this sign-in makes
 * a new one after) and closes their open connections; the change is audited as member.role.sso.
 */
async function applyGroupRole(
  deps: SsoDeps,
  user: User,
  role: SsoRole,
  hasGroupClaim: boolean,
  origin: SignInOrigin,
): Promise<User> {
  if (user.role === 'owner' || !hasGroupClaim || role === user.role) return user;
  const isLower = user.role === 'admin' && role === 'member';
  await setServerRole(deps.db, user.id, role);
  if (isLower) await deleteSessionsOfUser(deps.db, user.id);
  await deps.audit?.record({
    actor: { kind: 'user', userId: user.id, email: user.email },
    action: 'member.role.sso',
    object: { type: 'user', id: user.id, name: user.email },
    address: origin.address ?? null,
    userAgent: origin.userAgent ?? null,
    outcome: 'success',
    detail: `groups from single sign-on: ${user.role} → ${role}`,
    changes: { role: { before: user.role, after: role } },
  });
  if (isLower) deps.changes?.notify(user.id);
  return { ...user, role };
}
