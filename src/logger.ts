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
