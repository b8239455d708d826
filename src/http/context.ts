/** What the HTTP layer is given by main.ts. Routes reach features only through these. */
import type { Logger } from 'pino';
import type { SqliteSessionStore } from '../auth/session-store.js';
import type { LoginThrottle } from '../auth/login-throttle.js';
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { Runtime } from '../runtime/runtime.js';

export interface AppContext {
  config: Config;
  db: Db;
  runtime: Runtime;
  logger: Logger;
  sessionStore: SqliteSessionStore;
  loginThrottle: LoginThrottle;
  /** Signs session cookies; kept in the data dir so sessions survive restarts. */
  sessionSecret: string;
  version: string;
}
