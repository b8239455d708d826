/** What the HTTP layer asks of passkeys (src/auth/passkeys.service.ts). */
import { bindFirst } from '../lib/bind-first.js';
import {
  finishRegistration,
  finishSignIn,
  hasPasskeys,
  listPasskeys,
  ownerOfCredential,
  removePasskey,
  renamePasskey,
  startRegistration,
  startSignIn,
  type PasskeysDeps,
} from './passkeys.service.js';

export function createPasskeysFacade(deps: PasskeysDeps) {
  return {
    /** The relying party the browser must see: the panel's public host and origin. */
    relyingParty: deps.rp,
    list: bindFirst(deps, listPasskeys),
    has: bindFirst(deps, hasPasskeys),
    startRegistration: bindFirst(deps, startRegistration),
    finishRegistration: bindFirst(deps, finishRegistration),
    rename: bindFirst(deps, renamePasskey),
    remove: bindFirst(deps, removePasskey),
    startSignIn: bindFirst(deps, startSignIn),
    ownerOf: bindFirst(deps, ownerOfCredential),
    /** A passkey's answer → the user it signs in, or INVALID_CREDENTIALS. */
    finishSignIn: bindFirst(deps, finishSignIn),
  };
}

export type PasskeysFacade = ReturnType<typeof createPasskeysFacade>;
