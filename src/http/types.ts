/** Type additions to fastify for what Berth's plugins put on requests, replies and sessions. */
import type { Permission, ProjectSource } from '../auth/access-policy.js';
import type { ApiToken, Caller, ProjectRole, User } from '../auth/auth.types.js';

export type FlashKind = 'success' | 'error' | 'info';
export interface Flash {
  kind: FlashKind;
  message: string;
}

declare module 'fastify' {
  /** What a route declares it needs (src/http/route-access.ts). */
  interface FastifyContextConfig {
    permission?: Permission;
    project?: ProjectSource;
    param?: string;
  }
  interface Session {
    /** Set only once every factor passed: the session is signed in. */
    userId?: string;
    flash?: Flash[];
    /** Password right, second factor still to come (half signed in: no panel page, no API). */
    pendingUserId?: string;
    pendingSince?: number;
    pendingNext?: string;
    /** Signed in by password while "require two-factor" is on and the account has none: enrolment first. */
    mustEnrolTwoFactor?: boolean;
    /** When, from where and with what the session signed in (the session list shows them). */
    signedInAt?: number;
    clientIp?: string;
    clientAgent?: string;
    /** The challenge (its id) of a passkey being added, and of a passkey sign-in in progress. */
    passkeyRegistration?: string;
    passkeySignIn?: string;
    /** A single sign-on in progress: what the callback must find again. */
    sso?: { state: string; nonce: string; verifier: string; next: string; since: number };
  }
  interface FastifyRequest {
    /** The signed-in panel user (set by requireUser). */
    user?: User;
    /** The caller of an API route (set by requireToken). */
    apiCaller?: { user: User; token: ApiToken };
    /** Who is calling (session user, or token and its user): set before the permission check. */
    caller?: Caller;
    /** The request's project and the caller's role there, for routes with a project permission. */
    access?: { projectId: string; role: ProjectRole };
  }
  interface FastifyReply {
    /** Renders a page: the whole layout, or only the page's partial for an htmx request. */
    page(name: string, data?: Record<string, unknown>, status?: number): Promise<void>;
    /** Queues a message shown on the next rendered page. */
    flash(kind: FlashKind, message: string): void;
  }
}
