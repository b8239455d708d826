/** What the HTTP layer asks of two-factor authentication (src/auth/two-factor.service.ts). */
import { bindFirst } from '../lib/bind-first.js';
import {
  confirmEnrolment,
  disableTwoFactor,
  isTwoFactorEnabled,
  isTwoFactorRequired,
  pendingEnrolment,
  setTwoFactorRequired,
  startEnrolment,
  twoFactorStatus,
  verifySecondFactor,
  type TwoFactorDeps,
} from './two-factor.service.js';

export function createTwoFactorFacade(deps: TwoFactorDeps) {
  return {
    status: bindFirst(deps, twoFactorStatus),
    isEnabled: bindFirst(deps, isTwoFactorEnabled),
    start: bindFirst(deps, startEnrolment),
    pending: bindFirst(deps, pendingEnrolment),
    confirm: bindFirst(deps, confirmEnrolment),
    /** A TOTP code (each time step once) or a recovery code (spent), else INVALID_CREDENTIALS. */
    verify: bindFirst(deps, verifySecondFactor),
    disable: bindFirst(deps, disableTwoFactor),
    isRequired: bindFirst(deps, isTwoFactorRequired),
    setRequired: bindFirst(deps, setTwoFactorRequired),
  };
}

export type TwoFactorFacade = ReturnType<typeof createTwoFactorFacade>;
