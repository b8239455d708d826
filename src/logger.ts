/** The only importer of pino. One root logger, made in main.ts; components take children. */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { name: 'berth' },
    // Secrets never reach the log, even if someone logs a whole request or config by mistake.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', 'password', 'token'],
      censor: '[redacted]',
    },
  });
}

/**
 * The proxy's access log: one line per request on stdout like the main log, but written asynchronously
 * in 4 KiB batches so a busy proxy does not block on the terminal or journald for every request.
 * A crash can lose the last few lines; close() flushes.
 */
export function createAccessLogger(): Logger {
  return pino(
    { base: { name: 'berth', component: 'access' } },
    pino.destination({ dest: 1, sync: false, minLength: 4096 }),
  );
}
