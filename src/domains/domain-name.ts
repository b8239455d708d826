/**
 * One spelling per custom domain, and the rules a name must pass before Berth routes it or asks a
 * certificate authority for it: lowercase, punycode (IDN → xn--), no trailing dot, a real DNS name with
 * at least two labels. IP addresses, localhost and anything with spaces or control characters are refused
 * with a reason a person can act on.
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { AppError } from '../errors.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// What may be typed before punycode conversion: letters of any script, digits, dots and hyphens.
const TYPED = /^[\p{L}\p{M}\p{N}.-]+$/u;

function invalid(raw: string, reason: string): AppError {
  return new AppError('VALIDATION_FAILED', `"${printable(raw)}" is not a domain Berth can serve: ${reason}`, {
    details: { hostname: reason },
  });
}

/** The input as it may appear in a message: control characters shown as escapes, length capped. */
function printable(raw: string): string {
  const shown = JSON.stringify(raw.slice(0, 80)).slice(1, -1);
  return raw.length > 80 ? `${shown}…` : shown;
}

/** The canonical ASCII form of a domain, or an AppError (VALIDATION_FAILED) saying what is wrong. */
export function normalizeDomain(raw: string): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw invalid(String(raw ?? ''), 'it is empty');
  // Only plain spaces around the name are forgiven; a CR/LF or tab anywhere is refused.
  const trimmed = raw.replace(/^ +| +$/g, '');
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\s\u0000-\u001f\u007f]/u.test(trimmed)) throw invalid(raw, 'it contains spaces or control characters');
  if (trimmed.length > 300) throw invalid(raw, 'it is longer than 253 characters');
  let name = trimmed.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.startsWith('[') || isIP(name) !== 0) throw invalid(raw, 'IP addresses cannot have a domain certificate');
  if (name.includes('*')) throw invalid(raw, 'wildcard domains are not supported; add each name');
  if (!TYPED.test(name)) {
    throw invalid(raw, 'only letters, digits, hyphens and dots are allowed (no scheme, port, path or "@")');
  }
  if (/(^|\.)\d+$/.test(name)) throw invalid(raw, 'it looks like an IP address');
  const ascii = domainToASCII(name);
  if (ascii === '') throw invalid(raw, 'it is not a valid international domain name');
  if (ascii.length > 253) throw invalid(raw, 'it is longer than 253 characters');
  const labels = ascii.split('.');
  if (labels.length < 2) throw invalid(raw, 'it needs a dot, like app.example.com');
  for (const label of labels) {
    if (label === '') throw invalid(raw, 'it has an empty label (two dots in a row, or a leading dot)');
    if (label.length > 63) throw invalid(raw, `the label "${label.slice(0, 20)}…" is longer than 63 characters`);
    if (!LABEL.test(label)) throw invalid(raw, `the label "${label}" must not start or end with a hyphen`);
  }
  const tld = labels[labels.length - 1]!;
  if (/^\d+$/.test(tld)) throw invalid(raw, 'it looks like an IP address');
  if (tld === 'localhost') throw invalid(raw, 'localhost names only exist on this machine');
  return ascii;
}

/** The www/apex counterpart of a name: www.example.com ↔ example.com; undefined for deeper names' apex. */
export function wwwTwinOf(hostname: string): string {
  return hostname.startsWith('www.') ? hostname.slice(4) : `www.${hostname}`;
}
