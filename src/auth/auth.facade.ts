/** What the HTTP layer asks of the auth feature: users, sign-in, the setup claim, API tokens, members and access. */
import type { Db } from '../db/connection.js';
import { bindFirst, type WithoutFirst } from '../lib/bind-first.js';
import { AccessChanges } from './access-changes.js';
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

/** Runs a change of someone's access, then tells the listeners whose it was. */
function notifying<A extends unknown[], R>(
  changes: AccessChanges,
  change: (...args: A) => Promise<R>,
  userIdOf: (...args: A) => string,
): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    const result = await change(...args);
    changes.notify(userIdOf(...args));
    return result;
  };
}

export function createAuthFacade(db: Db, changes: AccessChanges = new AccessChanges()) {
  const members = {
    setProjectRole: notifying(changes, bindFirst(db, setProjectRole), (_actor, input) => input.userId),
    changeServerRole: notifying(changes, bindFirst(db, changeServerRole), (_actor, input) => input.userId),
    removeMember: notifying(changes, bindFirst(db, removeMember), (_actor, userId) => userId),
    // The old owner becomes an admin: theirs is the access that dropped.
    transferOwnership: notifying(changes, bindFirst(db, transferOwnership), (actor) => actor.id),
    /** Tells `listener` whose access just changed (open connections check themselves again). */
    onAccessChanged: (listener: (userId: string) => void) => changes.subscribe(listener),
  };
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
    // A revoked session's open connections close too (they check their session again).
    revokeSession: async (...args: Parameters<WithoutFirst<typeof revokeSession>>) => {
      const revoked = await revokeSession(db, ...args);
      changes.notify(revoked.userId);
      return revoked;
    },
    revokeOtherSessions: notifying(changes, bindFirst(db, revokeOtherSessions), (userId) => userId),
    /** The permission table's decision for one request (see access-policy.ts). */
    authorize: bindFirst(db, authorize),
    roleOn: bindFirst(db, roleOn),
    visibleProjects: bindFirst(db, visibleProjects),
    listMembers: bindFirst(db, listMembers),
    ...members,
    createInvitation: bindFirst(db, createInvitation),
    findOpenInvitation: bindFirst(db, findOpenInvitation),
    acceptInvitation: bindFirst(db, acceptInvitation),
    listInvitations: bindFirst(db, listInvitations),
    revokeInvitation: bindFirst(db, revokeInvitation),
  };
}

export type AuthFacade = ReturnType<typeof createAuthFacade>;
