/**
 * The only importer of pino (and pino-pretty). One root logger, made in main.ts; components take
 * children. JSON lines for machines (journald, docker logs); readable, coloured lines on a terminal.
 */
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './config.js';

export type { Logger };

/** `auto` is pretty on a terminal and JSON everywhere else (pipes, files, service managers). */
export function resolveLogFormat(format: LogFormat, isTerminal: boolean): 'json' | 'pretty' {
  return format === 'auto' ? (isTerminal ? 'pretty' : 'json') : format;
}

export function createLogger(level: LogLevel, format: LogFormat = 'json'): Logger {
  const options = {
    level,
    base: { name: 'berth' },
    // Secrets never reach the log, even if someone logs a whole request or config by mistake.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', 'password', 'token'],
      censor: '[redacted]',
    },
  };
  if (resolveLogFormat(format, process.stdout.isTTY === true) === 'json') return pino(options);
  // Loaded only for a terminal: JSON logging (services, containers, the proxy's processes) never needs it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  // In this thread and synchronous (no transport worker): a line is on the terminal when the call returns.
  const stream = pretty({
    colorize: process.stdout.isTTY === true,
    sync: true,
    singleLine: true,
    ignore: 'pid,hostname,name',
  });
  return pino(options, stream);
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

/**
 * The access log of a proxy worker (process mode): the same lines as createAccessLogger, handed to
 * `write` (a bounded queue on its way to the daemon) instead of stdout.
 */
export function createAccessLoggerTo(write: (line: string) => void): Logger {
  return pino({ base: { name: 'berth', component: 'access' } }, { write });
}

/**
 * Writes access-log lines that arrive already formatted (from the proxy's workers, once a second) to
 * stdout like createAccessLogger: one asynchronous write per batch, never held back for a fuller buffer.
 */
export function createAccessLineWriter(): { write(lines: readonly string[]): void; flush(): void } {
  const destination = pino.destination({ dest: 1, sync: false });
  return {
    write: (lines) => {
      if (lines.length > 0) destination.write(`${lines.join('\n')}\n`);
    },
    flush: () => {
      try {
        destination.flushSync();
      } catch {
        // Not ready yet or already closed: nothing buffered to lose.
      }
    },
  };
}
