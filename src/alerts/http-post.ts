/**
 * POSTs a notification to a checked destination: the host is resolved and refused (private, link-local,
 * metadata) before connecting, the socket goes to the checked address, redirects are not followed (one
 * could point anywhere), and an answer must come within a timeout.
 */
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { HostResolver, SourcePolicy } from '../source/host-check.js';
import { checkDestination } from './destination.js';

const TIMEOUT_MS = 10_000;
const ERROR_BODY_CHARS = 200;

export class DeliveryError extends Error {
  /** false: trying again cannot help (the destination is refused by policy). */
  constructor(
    message: string,
    readonly retryable = true,
  ) {
    super(message);
  }
}

export interface PostOptions {
  policy: SourcePolicy;
  resolver?: HostResolver;
  timeoutMs?: number;
}

export async function postJson(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<void> {
  let target;
  try {
    target = await checkDestination(url.hostname, options.policy, 'url', options.resolver);
  } catch (error) {
    throw new DeliveryError(error instanceof Error ? error.message : String(error), false);
  }
  const lookup: LookupFunction = (_host, lookupOptions, callback) => {
    if (lookupOptions.all)
      (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  const requestOptions: RequestOptions = {
    method: 'POST',
    lookup,
    timeout: timeoutMs,
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  await new Promise<void>((resolve, reject) => {
    const req = send(url, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < ERROR_BODY_CHARS) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve();
        const text = Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_CHARS).replace(/\s+/g, ' ').trim();
        const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
        reject(new DeliveryError(`the destination answered HTTP ${status}${redirect}${text ? `: ${text}` : ''}`));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new DeliveryError(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (error) => reject(error instanceof DeliveryError ? error : new DeliveryError(error.message)));
    req.end(body);
  });
}
