/** What the HTTP layer asks of the auth feature: users, sign-in, the session list, the setup claim and API tokens. */
/** What the HTTP layer asks of the auth feature: users, sign-in, the setup claim, API tokens, members and access. */
import type { Db } from '../db/connection.js';
import { bindFirst } from '../lib/bind-first.js';
import { authorize, roleOn, visibleProjects } from './access.service.js';
import { authenticateToken, createApiToken, listApiTokens, revokeApiToken } from './api-tokens.service.js';
import {
  acceptInvitation,
  createInvitation,
  findOpenInvitation,
  listInvitations,
  revokeInvitation,
} from './invitations.service.js';
import { lastUnlockOf } from './login-unlocks.js';
import { changeServerRole, listMembers, removeMember, setProjectRole, transferOwnership } from './members.service.js';
import { claimInstall, isSetupOpen, isSetupTokenValid } from './setup-claim.service.js';
import { listSessions, revokeOtherSessions, revokeSession } from './sessions.service.js';
import { findUserById } from './users.repository.js';
import { authenticate, checkPasswordOf } from './users.service.js';

export function createAuthFacade(db: Db) {
  return {
    findUserById: bindFirst(db, findUserById),
    /** The user and token behind a bearer token, or undefined. */
    authenticateToken: bindFirst(db, authenticateToken),
    /** Email and password → the user, or INVALID_CREDENTIALS. */
    authenticate: bindFirst(db, authenticate),
    lastUnlockOf: bindFirst(db, lastUnlockOf),
    isSetupOpen: bindFirst(db, isSetupOpen),
    isSetupTokenValid: bindFirst(db, isSetupTokenValid),
    claimInstall: bindFirst(db, claimInstall),
    listApiTokens: bindFirst(db, listApiTokens),
    createApiToken: bindFirst(db, createApiToken),
    revokeApiToken: bindFirst(db, revokeApiToken),
    checkPasswordOf: bindFirst(db, checkPasswordOf),
    /** Live signed-in sessions of a user (or of everyone: undefined), the current one marked. */
    listSessions: bindFirst(db, listSessions),
    revokeSession: bindFirst(db, revokeSession),
    revokeOtherSessions: bindFirst(db, revokeOtherSessions),
    /** The permission table's decision for one request (see access-policy.ts). */
    authorize: bindFirst(db, authorize),
    roleOn: bindFirst(db, roleOn),
    visibleProjects: bindFirst(db, visibleProjects),
    listMembers: bindFirst(db, listMembers),
    setProjectRole: bindFirst(db, setProjectRole),
    changeServerRole: bindFirst(db, changeServerRole),
    removeMember: bindFirst(db, removeMember),
    transferOwnership: bindFirst(db, transferOwnership),
    createInvitation: bindFirst(db, createInvitation),
    findOpenInvitation: bindFirst(db, findOpenInvitation),
    acceptInvitation: bindFirst(db, acceptInvitation),
    listInvitations: bindFirst(db, listInvitations),
    revokeInvitation: bindFirst(db, revokeInvitation),
  };
}

export type AuthFacade = ReturnType<typeof createAuthFacade>;
