/**
 * The one place error codes meet HTTP. API routes (and any request asking for JSON) get
 * `{"error": {"code", "message"}}`; panel routes get an error page in the layout.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError, type ErrorCode } from '../../errors.js';
import { diskFullError, isDiskFullError } from '../../lib/disk-space.js';
import { isHtmx } from '../htmx.js';
import { lingerAfterAnswer } from '../linger-after-answer.js';

const STATUS: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 422,
  CONFLICT: 409,
  NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CSRF_INVALID: 403,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_CREDENTIALS: 401,
  SETUP_TOKEN_INVALID: 403,
  SETUP_ALREADY_DONE: 409,
  EMAIL_TAKEN: 409,
  TOKEN_NAME_TAKEN: 409,
  NAME_RESERVED: 409,
  PROJECT_NAME_TAKEN: 409,
  SERVICE_NAME_TAKEN: 409,
  HOSTNAME_TAKEN: 409,
  PROJECT_NOT_EMPTY: 409,
  SOURCE_FETCH_FAILED: 422,
  DATA_DIR_LOCKED: 409,
  DOCKER_UNAVAILABLE: 503,
  DOCKER_ERROR: 502,
  KUBERNETES_UNAVAILABLE: 503,
  KUBERNETES_ERROR: 502,
  KUBERNETES_ROLLOUT_TIMEOUT: 504,
  KUBERNETES_UNSUPPORTED: 409,
  VARIABLE_REFERENCE_INVALID: 422,
  DATABASE_BUSY: 409,
  STATE_DB_BUSY: 503,
  DISK_FULL: 507,
  CONFIRMATION_REQUIRED: 400,
  DELETE_IN_PROGRESS: 409,
  ADDRESS_NOT_LOCAL: 422,
  DATABASE_CHANGE_FAILED: 409,
  INTERNAL: 500,
};

export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

/** Turns fastify's own errors (schema validation, CSRF plugin, body limits) into AppErrors. */
function toAppError(error: FastifyError | AppError | Error): AppError {
  if (isAppError(error)) return error;
  const fe = error as FastifyError;
  // Schema failures (JSON or form shape) are malformed requests (400); checks of well-formed values in the
  // features answer 422 VALIDATION_FAILED, and conflicts with the current state 409.
  if (fe.validation) return new AppError('BAD_REQUEST', `Invalid request: ${fe.message}`);
  if (fe.code?.startsWith('FST_CSRF')) {
    return new AppError(
      'CSRF_INVALID',
      'This form has expired or was not sent by Berth. Reload the page and try again.',
    );
  }
  if (fe.statusCode === 429) return new AppError('RATE_LIMITED', fe.message);
  if (fe.statusCode === 413)
    return new AppError('PAYLOAD_TOO_LARGE', 'The request body is larger than this page accepts.');
  if (fe.statusCode === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', fe.message);
  if (isDiskFullError(error)) return diskFullError(error);
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError(fe.statusCode === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', fe.message);
  }
  return new AppError('INTERNAL', 'Something went wrong on our side. The details are in the Berth log.', {
    cause: error,
  });
}

export function wantsJson(request: FastifyRequest): boolean {
  return (
    request.url.startsWith('/api/') ||
    request.url === '/healthz' ||
    !(request.headers.accept ?? '').includes('text/html')
  );
}

async function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): Promise<void> {
  const status = statusOf(error.code);
  if (wantsJson(request) && !isHtmx(request)) {
    await reply.status(status).send({ error: { code: error.code, message: error.message, details: error.details } });
    return;
  }
  await reply.page('error', { status, code: error.code, message: error.message, title: `Error ${status}` }, status);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const appError = toAppError(error);
    // Refused before its body was read (auth, size, validation): read the rest after answering, bounded.
    lingerAfterAnswer(request.raw, reply.raw);
    if (appError.code === 'INTERNAL') request.log.error({ err: error }, 'request failed');
    if (appError.code === 'STATE_DB_BUSY') void reply.header('retry-after', '1');
    await sendError(request, reply, appError);
  });
  app.setNotFoundHandler(async (request, reply) => {
    await sendError(request, reply, new AppError('NOT_FOUND', `Nothing lives at ${request.url.split('?')[0]}.`));
  });
}
