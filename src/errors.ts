/**
 * Every failure a user can see is an AppError with a stable string code.
 * The HTTP status for each code lives in http/plugins/error-handler.ts, the one place codes meet HTTP.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  /** The request itself is malformed: fails its schema, bad JSON, wrong form shape (400). */
  | 'BAD_REQUEST'
  /** Well-formed, but a value is not acceptable (422). */
  | 'VALIDATION_FAILED'
  /** The request conflicts with the current state, e.g. something already running or already there (409). */
  | 'CONFLICT'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CSRF_INVALID'
  | 'RATE_LIMITED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INVALID_CREDENTIALS'
  | 'SETUP_TOKEN_INVALID'
  | 'SETUP_ALREADY_DONE'
  | 'EMAIL_TAKEN'
  | 'TOKEN_NAME_TAKEN'
  | 'NAME_RESERVED'
  | 'PROJECT_NAME_TAKEN'
  | 'SERVICE_NAME_TAKEN'
  | 'HOSTNAME_TAKEN'
  | 'PROJECT_NOT_EMPTY'
  | 'SOURCE_FETCH_FAILED'
  | 'DATA_DIR_LOCKED'
  | 'DOCKER_UNAVAILABLE'
  | 'DOCKER_ERROR'
  /** The Kubernetes API cannot be reached or refuses Berth's credentials (503). */
  | 'KUBERNETES_UNAVAILABLE'
  /** The Kubernetes API answered with an error (502). */
  | 'KUBERNETES_ERROR'
  /** A rollout did not finish within BERTH_KUBERNETES_ROLLOUT_TIMEOUT_SECONDS (504). */
  | 'KUBERNETES_ROLLOUT_TIMEOUT'
  /** Something the kubernetes scheduler cannot run yet (databases, volumes, workers, cron, stacks…) (409). */
  | 'KUBERNETES_UNSUPPORTED'
  | 'VARIABLE_REFERENCE_INVALID'
  | 'DATABASE_BUSY'
  /** Berth's own SQLite database is locked by another process (503, retry). */
  | 'STATE_DB_BUSY'
  /** The data dir's disk is full (507). */
  | 'DISK_FULL'
  | 'CONFIRMATION_REQUIRED'
  | 'DELETE_IN_PROGRESS'
  | 'ADDRESS_NOT_LOCAL'
  | 'DATABASE_CHANGE_FAILED'
  | 'INTERNAL';

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Field-level detail for forms and API clients, e.g. { email: 'must look like name@host' }. */
  readonly details: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, string> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
