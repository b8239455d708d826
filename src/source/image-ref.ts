/**
 * Docker image references, checked against the grammar of distribution/reference (what the Docker
 * engine itself accepts): `[registry[:port]/]path[:tag][@algorithm:hex]`. Being an allow-list, it also
 * refuses option-like values (`-...`), spaces, and anything a shell or the engine could misread.
 */
import { AppError } from '../errors.js';

export interface ParsedImageRef {
  /** The registry host (name or IP, IPv6 without brackets) when the reference names one; else Docker Hub. */
  registryHost: string | undefined;
  /** The reference as given (trimmed): the engine resolves defaults such as `:latest` itself. */
  reference: string;
}

export const MAX_IMAGE_REF_LENGTH = 512;
const MAX_NAME_LENGTH = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const IPV6_BRACKETED = /^\[[0-9A-Fa-f:.]+\]$/;
const PORT = /^[0-9]{1,5}$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

function invalid(message: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { details: { image: message } });
}

/** The engine's rule: the first path part is a registry when it has a dot or a port, or is localhost. */
function looksLikeRegistry(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost' || part !== part.toLowerCase();
}

function parseRegistry(part: string): string {
  const match = /^(?<host>\[[^\]]*\]|[^:]+)(?::(?<port>.*))?$/.exec(part);
  const host = match?.groups?.host ?? '';
  const port = match?.groups?.port;
  if (port !== undefined && (!PORT.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    throw invalid('The registry port in the image reference is not a valid port number.');
  }
  if (IPV6_BRACKETED.test(host)) return host.slice(1, -1).toLowerCase();
  if (!DOMAIN_NAME.test(host)) throw invalid('The registry host in the image reference is not a valid host name.');
  // Numbers such as 2852039166 or 0x7f.1 are IPv4 addresses to some resolvers and names to others:
  // only the dotted form means the same thing to Berth's check and to the engine's pull.
  let canonical: string;
  try {
    canonical = new URL(`http://${host}/`).hostname;
  } catch {
    throw invalid('The registry host in the image reference is not a valid host name.');
  }
  if (canonical !== host.toLowerCase()) {
    throw invalid('Write the registry address as a plain host name or a dotted IPv4 address such as 10.0.0.5.');
  }
  return canonical;
}

export function parseImageRef(input: unknown): ParsedImageRef {
  if (typeof input !== 'string') throw invalid('The image reference must be text.');
  const reference = input.trim();
  if (reference === '') throw invalid('Enter an image reference such as nginx:1.27 or ghcr.io/owner/app:v1.');
  if (reference.length > MAX_IMAGE_REF_LENGTH) {
    throw invalid(`The image reference is longer than ${MAX_IMAGE_REF_LENGTH} characters.`);
  }
  if (reference.startsWith('-')) throw invalid('The image reference must not start with "-".');
  if (/[^\x21-\x7e]/.test(reference))
    throw invalid('The image reference must not contain spaces or special characters.');

  const [withTag, digest, ...extra] = reference.split('@');
  if (extra.length > 0) throw invalid('The image reference has more than one "@".');
  if (digest !== undefined && !DIGEST.test(digest)) {
    throw invalid('The image digest must look like sha256: followed by 64 lower-case hex digits.');
  }
  const lastSlash = withTag!.lastIndexOf('/');
  const lastColon = withTag!.lastIndexOf(':');
  const hasTag = lastColon > lastSlash;
  const name = hasTag ? withTag!.slice(0, lastColon) : withTag!;
  const tag = hasTag ? withTag!.slice(lastColon + 1) : undefined;
  if (tag !== undefined && !TAG.test(tag)) {
    throw invalid('The image tag may contain letters, digits, _ . - (up to 128, not starting with . or -).');
  }
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw invalid(`The image name must be 1 to ${MAX_NAME_LENGTH} characters long.`);
  }

  const parts = name.split('/');
  let registryHost: string | undefined;
  if (parts.length > 1 && looksLikeRegistry(parts[0]!)) registryHost = parseRegistry(parts.shift()!);
  for (const part of parts) {
    if (!PATH_COMPONENT.test(part)) {
      throw invalid(
        'Each part of the image name must be lower-case letters and digits, joined by single . or _ , __ or dashes.',
      );
    }
  }
  return { registryHost, reference };
}
