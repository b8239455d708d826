/** Type additions to fastify for what Berth's plugins put on requests, replies and sessions. */
import type { ApiToken, User } from '../auth/auth.types.js';

export type FlashKind = 'success' | 'error' | 'info';
export interface Flash {
  kind: FlashKind;
  message: string;
}

declare module 'fastify' {
  interface Session {
    userId?: string;
    flash?: Flash[];
  }
  interface FastifyRequest {
    /** The signed-in panel user (set by requireUser). */
    user?: User;
    /** The caller of an API route (set by requireToken). */
    apiCaller?: { user: User; token: ApiToken };
  }
  interface FastifyReply {
    /** Renders a page: the whole layout, or only the page's partial for an htmx request. */
    page(name: string, data?: Record<string, unknown>, status?: number): Promise<void>;
    /** Queues a message shown on the next rendered page. */
    flash(kind: FlashKind, message: string): void;
  }
}
