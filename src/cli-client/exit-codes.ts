/**
 * The developer commands' exit codes, for scripts: 0 ok, 1 failure (a deploy failed, the server refused),
 * 2 usage (a wrong argument, not linked), 3 auth (not logged in, a token the server refuses), 4 not found.
 * Errors are AppErrors; their code decides the exit code, here only.
 */
import { isAppError } from '../errors.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, auth: 3, notFound: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitCodeOf(error: unknown): ExitCode {
  if (!isAppError(error)) return EXIT.failure;
  switch (error.code) {
    case 'BAD_REQUEST':
      return EXIT.usage;
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return EXIT.auth;
    case 'NOT_FOUND':
      return EXIT.notFound;
    default:
      return EXIT.failure;
  }
}
