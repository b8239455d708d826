/**
 * Turns the request-log filters people type (query strings of the API and the panel's form) into a
 * checked RequestLogFilter. Everything is allow-listed; a bad value is a VALIDATION_FAILED naming it.
 */
import { AppError } from '../errors.js';
import type { RequestLogFilter } from './traffic.repository.js';

export const REQUEST_LOG_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export const DEFAULT_REQUEST_LOG_LIMIT = 100;
export const MAX_REQUEST_LOG_LIMIT = 1000;

export interface RequestLogQueryInput {
  from?: string;
  to?: string;
  /** An exact status ("404") or a class ("5xx"). */
  status?: string;
  method?: string;
  /** Path prefix, starting with "/". */
  path?: string;
  /** Minimum duration in ms. */
  minMs?: string;
  limit?: string;
}

/** Epoch milliseconds or an ISO 8601 date-time. */
function parseTime(name: string, raw: string): number {
  const value = /^[0-9]{1,15}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(value)) throw new AppError('VALIDATION_FAILED', `${name}: not a time (epoch ms or ISO 8601)`);
  return value;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20 || text.charCodeAt(i) === 0x7f) return true;
  return false;
}

const blank = (value: string | undefined): value is undefined => value === undefined || value.trim() === '';

export function parseRequestLogQuery(serviceId: string, input: RequestLogQueryInput): RequestLogFilter {
  const filter: RequestLogFilter = { serviceId, limit: DEFAULT_REQUEST_LOG_LIMIT };
  if (!blank(input.from)) filter.from = parseTime('from', input.from.trim());
  if (!blank(input.to)) filter.to = parseTime('to', input.to.trim());
  if (!blank(input.status)) {
    const status = input.status.trim().toLowerCase();
    const statusClass = /^([1-5])xx$/.exec(status);
    if (statusClass) filter.statusClass = Number(statusClass[1]) as RequestLogFilter['statusClass'];
    else if (/^[1-5][0-9]{2}$/.test(status)) filter.status = Number(status);
    else throw new AppError('VALIDATION_FAILED', 'status: a code such as 404 or a class such as 5xx');
  }
  if (!blank(input.method)) {
    const method = input.method.trim().toUpperCase();
    if (!(REQUEST_LOG_METHODS as readonly string[]).includes(method)) {
      throw new AppError('VALIDATION_FAILED', `method: one of ${REQUEST_LOG_METHODS.join(', ')}`);
    }
    filter.method = method;
  }
  if (!blank(input.path)) {
    const path = input.path.trim();
    if (!path.startsWith('/') || path.length > 300 || hasControlCharacter(path)) {
      throw new AppError('VALIDATION_FAILED', 'path: a prefix starting with "/" (at most 300 characters)');
    }
    filter.pathPrefix = path;
  }
  if (!blank(input.minMs)) {
    const minMs = Number(input.minMs.trim());
    if (!Number.isFinite(minMs) || minMs < 0) throw new AppError('VALIDATION_FAILED', 'minMs: a number of ms ≥ 0');
    filter.minDurationMs = minMs;
  }
  if (!blank(input.limit)) {
    const limit = Number(input.limit.trim());
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REQUEST_LOG_LIMIT) {
      throw new AppError('VALIDATION_FAILED', `limit: 1 to ${MAX_REQUEST_LOG_LIMIT}`);
    }
    filter.limit = limit;
  }
  return filter;
}
