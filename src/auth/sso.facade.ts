/** What the HTTP layer asks of single sign-on (src/auth/sso.service.ts). */
import { bindFirst } from '../lib/bind-first.js';
import {
  beginSso,
  completeSso,
  isLocalLoginDisabled,
  isSsoEnabled,
  saveSsoSettings,
  ssoSettingsView,
  turnOffSso,
  type SsoDeps,
} from './sso.service.js';

export function createSsoFacade(deps: SsoDeps) {
  return {
    settings: bindFirst(deps, ssoSettingsView),
    save: bindFirst(deps, saveSsoSettings),
    /** Removes the settings: password login works again. */
    turnOff: bindFirst(deps, turnOffSso),
    isEnabled: bindFirst(deps, isSsoEnabled),
    isLocalLoginDisabled: bindFirst(deps, isLocalLoginDisabled),
    /** The provider URL to send the browser to, and what to keep in the session for the callback. */
    begin: bindFirst(deps, beginSso),
    /** The signed-in user, or INVALID_CREDENTIALS (protocol) / FORBIDDEN (policy). */
    complete: bindFirst(deps, completeSso),
  };
}

export type SsoFacade = ReturnType<typeof createSsoFacade>;
