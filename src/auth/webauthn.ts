/**
 * The one importer of @simplewebauthn/server: the options a browser passes to navigator.credentials, and the
 * checks of what it sends back (origin, RP ID, challenge, signature, counter). Everything else about
 * passkeys (which challenge, whose credential, storage) is the service's (passkeys.service.ts).
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AppError } from '../errors.js';

/**
 * The library is loaded at the first passkey ceremony, not with the daemon: it and its crypto dependencies
 * take about 30 MB of memory that a server whose users have no passkeys never needs.
 */
let library: Promise<typeof import('@simplewebauthn/server')> | undefined;
const webauthn = () => (library ??= import('@simplewebauthn/server'));

export type { AuthenticationResponseJSON, RegistrationResponseJSON };
export type CreationOptions = PublicKeyCredentialCreationOptionsJSON;
export type RequestOptions = PublicKeyCredentialRequestOptionsJSON;

/** Who the browser talks to: the panel's public host (RP ID) and origin. */
export interface RelyingParty {
  id: string;
  name: string;
  origin: string;
}

/** A stored credential as the checks need it. */
export interface StoredCredential {
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
}

/** Options carry a fresh random challenge (options.challenge, base64url): the caller stores it for the answer. */
export const CEREMONY_TIMEOUT_MS = 120_000;
/** ES256 and RS256 (EdDSA too): what authenticators in use today sign with. */
const ALGORITHMS = [-8, -7, -257];

function refused(cause: unknown): AppError {
  return new AppError('INVALID_CREDENTIALS', 'The passkey could not be verified. Try again.', { cause });
}

export async function registrationOptions(
  rp: RelyingParty,
  user: { handle: Uint8Array; name: string },
  exclude: StoredCredential[],
): Promise<CreationOptions> {
  const { generateRegistrationOptions } = await webauthn();
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: new Uint8Array(user.handle),
    userName: user.name,
    userDisplayName: user.name,
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: exclude.map((c) => ({ id: c.credentialId, transports: c.transports })),
    // Discoverable, so the same passkey also signs in without a password (which then needs user verification).
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    supportedAlgorithmIDs: ALGORITHMS,
  });
}

/** Checks a new credential against the challenge; returns what to store, or throws INVALID_CREDENTIALS. */
export async function verifyRegistration(
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  challenge: string,
): Promise<StoredCredential> {
  const { verifyRegistrationResponse } = await webauthn();
  let result;
  try {
    result = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch (error) {
    throw refused(error);
  }
  if (!result.verified) throw refused(undefined);
  const { credential } = result.registrationInfo;
  return {
    credentialId: credential.id,
    publicKey: credential.publicKey,
    counter: credential.counter,
    transports: response.response.transports ?? [],
  };
}

export async function authenticationOptions(
  rp: RelyingParty,
  allow: StoredCredential[] | undefined,
  userVerification: 'required' | 'preferred',
): Promise<RequestOptions> {
  const { generateAuthenticationOptions } = await webauthn();
  return generateAuthenticationOptions({
    rpID: rp.id,
    timeout: CEREMONY_TIMEOUT_MS,
    userVerification,
    allowCredentials: allow?.map((c) => ({ id: c.credentialId, transports: c.transports })),
  });
}

/** Checks an assertion by `credential`; returns the authenticator's new counter, or throws INVALID_CREDENTIALS. */
export async function verifyAuthentication(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  challenge: string,
  credential: StoredCredential,
  requireUserVerification: boolean,
): Promise<number> {
  const { verifyAuthenticationResponse } = await webauthn();
  let result;
  try {
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: credential.credentialId,
        publicKey: new Uint8Array(credential.publicKey),
        counter: credential.counter,
        transports: credential.transports,
      },
      requireUserVerification,
    });
  } catch (error) {
    throw refused(error);
  }
  if (!result.verified) throw refused(undefined);
  return result.authenticationInfo.newCounter;
}
