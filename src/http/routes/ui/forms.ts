/**
 * What every panel form route shares: the body schema of a form, which errors a form shows in place, how a
 * form is rendered again with its error, and the source credentials typed into a service form.
 */
import type { FastifyReply } from 'fastify';
import { isAppError, type AppError } from '../../../errors.js';
import { textareaValue, type FormFields } from '../../../projects/service-form.js';
import { statusOf } from '../../plugins/error-handler.js';
import { keepUrl } from '../../htmx.js';

const FORM_ERRORS = new Set([
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'CONFLICT',
  'NAME_RESERVED',
  'PROJECT_NAME_TAKEN',
  'SERVICE_NAME_TAKEN',
  'HOSTNAME_TAKEN',
]);

/** The error when it is something the person can fix in the form; other errors go to the error page. */
export function asFormError(error: unknown): AppError | undefined {
  return isAppError(error) && FORM_ERRORS.has(error.code) ? error : undefined;
}

/** Renders a form again with its error; the URL stays where it was (the form asked to push the new one). */
export async function renderFormError(
  reply: FastifyReply,
  view: string,
  data: Record<string, unknown>,
  error: AppError,
): Promise<void> {
  keepUrl(reply);
  await reply.page(view, { ...data, error: error.message, errors: error.details ?? {} }, statusOf(error.code));
}

export const formBody = (required: string[], fields: string[]) => ({
  type: 'object',
  required,
  properties: Object.fromEntries([
    ['_csrf', { type: 'string' }],
    ...fields.map((f) => [f, { type: 'string', maxLength: 1_000_000 }]),
  ]),
});

/**
 * The credentials typed into a source form, as `source.credentials` (undefined when none were typed:
 * the stored ones stay). Only a git source has them; the fields are hidden for the other types.
 */
export function credentialsFromForm(fields: FormFields): unknown {
  if ((fields.sourceType ?? '').trim() !== 'git') return undefined;
  const token = (fields.gitToken ?? '').trim();
  const key = textareaValue(fields.sshPrivateKey).trim();
  if (token && key) return { token, sshPrivateKey: key }; // refused with a clear message by the service
  if (token) return { token, username: (fields.gitUsername ?? '').trim() };
  if (key) return { sshPrivateKey: key };
  return undefined;
}

/** Errors the delete form shows in place: a wrong confirmation, a delete already running, no engine. */
export const DELETE_FORM_ERRORS = new Set([
  'CONFIRMATION_REQUIRED',
  'VALIDATION_FAILED',
  'DELETE_IN_PROGRESS',
  'DATABASE_BUSY',
  'DOCKER_UNAVAILABLE',
]);
