/**
 * One-time push tokens. Each `git receive-pack` Berth starts (over HTTP or SSH) gets a fresh random token in
 * its environment; the pre-receive hook hands it back over the hook socket, which is how the daemon knows
 * which service and which user a hook call belongs to. A token works once and dies with its process.
 */
import { randomBytes } from 'node:crypto';

export interface PushSession {
  serviceId: string;
  projectName: string;
  serviceName: string;
  repoPath: string;
  /** Who pushed (the user's email), recorded on the deployment. */
  pushedBy: string;
  /** The pusher's user id, how and from where they connected: for the audit log. */
  pushedById?: string;
  origin?: PushOrigin;
}

export interface PushOrigin {
  via: 'http' | 'ssh';
  address?: string | null;
  /** The SSH key the push authenticated with. */
  keyId?: string;
}

export class PushSessions {
  private readonly sessions = new Map<string, PushSession>();

  open(session: PushSession): { token: string; close: () => void } {
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(token, session);
    return { token, close: () => this.sessions.delete(token) };
  }

  /** The session of a token, removing it: a token is good for one hook call only. */
  take(token: unknown): PushSession | undefined {
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const session = this.sessions.get(token);
    this.sessions.delete(token);
    return session;
  }
}
