/**
 * The only importer of openid-client: the relying party side of OpenID Connect. Discovery, the
 * authorization URL (code flow with PKCE S256, state and nonce), and the code exchange, which checks the
 * state, the ID token's issuer, audience, expiry and nonce. Every request it makes goes through `guard`
 * first (the SSRF policy), so a metadata document cannot point Berth at an address it must not reach.
 * Loaded at the first sign-in through a provider: a daemon nobody signs in to that way never needs it.
 */
import type * as Oidc from 'openid-client';

let library: Promise<typeof Oidc> | undefined;
const openIdClient = () => (library ??= import('openid-client'));

export interface OidcClientSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Plain http is allowed only for an issuer on this machine or a private network the operator allowed. */
  allowHttp: boolean;
  /** Checks a URL before any request to it (throws to refuse). */
  guard: (url: URL) => Promise<void>;
}

export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
}

export type OidcClaims = Record<string, unknown>;

const TIMEOUT_SECONDS = 10;

async function configure(oidc: typeof Oidc, settings: OidcClientSettings): Promise<Oidc.Configuration> {
  const guardedFetch: Oidc.CustomFetch = async (url, options) => {
    await settings.guard(new URL(url));
    return fetch(url, options as RequestInit);
  };
  const execute = settings.allowHttp ? [oidc.allowInsecureRequests] : [];
  const config = await oidc.discovery(
    new URL(settings.issuer),
    settings.clientId,
    undefined,
    oidc.ClientSecretBasic(settings.clientSecret),
    { [oidc.customFetch]: guardedFetch, execute, timeout: TIMEOUT_SECONDS },
  );
  config[oidc.customFetch] = guardedFetch;
  return config;
}

/** The provider's sign-in URL, and what the callback must find again (kept in the session, never sent). */
export async function beginSignIn(
  settings: OidcClientSettings,
  redirectUri: string,
  scope: string,
): Promise<{ url: string; pending: PendingSignIn }> {
  const oidc = await openIdClient();
  const config = await configure(oidc, settings);
  const pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    response_type: 'code',
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
  });
  return { url: url.href, pending };
}

/**
 * Redeems the code the provider sent to the callback. Returns the ID token's claims, completed from the
 * UserInfo endpoint for what the ID token leaves out (many providers put email and groups only there).
 * Throws (an openid-client error) when any check fails.
 */
export async function finishSignIn(
  settings: OidcClientSettings,
  callbackUrl: URL,
  pending: PendingSignIn,
  wanted: string[],
): Promise<OidcClaims> {
  const oidc = await openIdClient();
  const config = await configure(oidc, settings);
  const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: pending.verifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
    idTokenExpected: true,
  });
  const claims: OidcClaims = { ...tokens.claims() };
  if (wanted.some((name) => claims[name] === undefined)) {
    const info = await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub));
    for (const [name, value] of Object.entries(info)) if (claims[name] === undefined) claims[name] = value;
  }
  return claims;
}

/** A short reason from an openid-client error, safe to log (never a token). */
export function describeOidcError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    // oauth4webapi names the failed ID token claim (nonce, aud, exp…) in the error's cause.
    let claim: unknown;
    for (let cause: unknown = error.cause, depth = 0; cause && depth < 3 && claim === undefined; depth++) {
      claim = (cause as { claim?: unknown }).claim;
      cause = (cause as { cause?: unknown }).cause;
    }
    const which = typeof claim === 'string' ? ` (claim "${claim}")` : '';
    return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}${which}`;
  }
  return 'unknown error';
}
