/**
 * The only importer of acme-client. One call orders one certificate over HTTP-01; the caller answers the
 * challenge on port 80 (Berth's proxy) through `challenge.set/remove`.
 *
 * Retries are Berth's business, not the library's: acme-client's own retry of network errors, 429 and
 * 5xx (five tries, up to 75 s) is turned off, so a failure comes back at once with the server's problem
 * type and Retry-After, and the certificate manager decides when to try again (with backoff). Every order
 * uses a new Client, so every attempt starts with a fresh nonce. acme-client still retries a single
 * badNonce itself with the new nonce the server sent, as RFC 8555 §6.5 asks.
 *
 * The library is loaded on the first order (it and its dependencies cost ~25 MB of resident memory, and
 * most of the time no order is running).
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent } from 'node:https';
import type { Socket } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { Client } from 'acme-client';

type Acme = typeof import('acme-client');
let loaded: Promise<Acme> | undefined;
// A CommonJS package: its exports arrive as the namespace's default.
const loadAcme = (): Promise<Acme> =>
  (loaded ??= import('acme-client').then((module) => (module as { default?: Acme }).default ?? module));

export interface AcmeSettings {
  directoryUrl: string;
  email: string | undefined;
  /** Extra CA certificates (PEM) to trust for the directory's own HTTPS (a test CA such as Pebble's). */
  extraCaPem: string | undefined;
  /** How fast the order/authorization status is polled. */
  pollMinMs: number;
  pollMaxMs: number;
}

export interface ChallengeAnswers {
  set(token: string, keyAuthorization: string): void;
  remove(token: string): void;
}

/** What went wrong with an order, with the parts a person's explanation is made from. */
export class AcmeOrderError extends Error {
  constructor(
    message: string,
    readonly problemType: string | undefined,
    /** Node's error code for a network failure (ECONNREFUSED, ENOTFOUND, ETIMEDOUT...). */
    readonly networkCode: string | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = 'AcmeOrderError';
  }
}

interface Problem {
  type?: string;
  detail?: string;
  retryAfterMs?: number;
}

// Orders run one at a time (the certificate manager queues them), so "the last problem the server sent"
// belongs to the order in progress.
let lastProblem: Problem | undefined;
// acme-client loses a network error's code when its own retries are off (it fails with a TypeError
// about 'config'); the sockets of our agents report it here instead.
let lastNetworkError: string | undefined;
let configured = false;

function recordSocketErrors(socket: Socket): Socket {
  socket.once('error', (error: NodeJS.ErrnoException) => (lastNetworkError = error.code ?? error.message));
  return socket;
}

class RecordingHttpsAgent extends Agent {
  override createConnection(...args: Parameters<Agent['createConnection']>): ReturnType<Agent['createConnection']> {
    const socket = super.createConnection(...args);
    return socket ? (recordSocketErrors(socket as Socket) as never) : socket;
  }
}

class RecordingHttpAgent extends HttpAgent {
  override createConnection(
    ...args: Parameters<HttpAgent['createConnection']>
  ): ReturnType<HttpAgent['createConnection']> {
    const socket = super.createConnection(...args);
    return socket ? (recordSocketErrors(socket as Socket) as never) : socket;
  }
}

function configureOnce(acme: Acme): void {
  if (configured) return;
  configured = true;
  const settings = acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } };
  settings.acmeSettings.retryMaxAttempts = 0;
  // A CA that accepts the connection and then says nothing must not hold the order queue forever.
  acme.axios.defaults.timeout = 30_000;
  acme.axios.defaults.httpAgent = new RecordingHttpAgent({ keepAlive: false });
  type Response = { status?: number; headers?: Record<string, unknown>; data?: unknown };
  const remember = (response: Response | undefined) => {
    if (!response) return;
    type Data = { type?: string; detail?: string; status?: string; error?: { type?: string; detail?: string } };
    const data = (response.data ?? {}) as Data;
    // A challenge or authorization that turned invalid carries its problem inside a 200 response.
    const problem = (response.status ?? 0) >= 400 ? data : data.status === 'invalid' ? data.error : undefined;
    // A badNonce is retried by acme-client with a fresh nonce; it is not the reason an order fails.
    if (!problem || problem.type === 'urn:ietf:params:acme:error:badNonce') return;
    const retryAfterMs = parseRetryAfter(response.headers?.['retry-after']);
    lastProblem = { type: problem.type, detail: problem.detail, retryAfterMs };
  };
  acme.axios.interceptors.response.use(
    (response) => {
      remember(response as Response);
      return response;
    },
    (error: { response?: Response }) => {
      remember(error.response);
      return Promise.reject(error);
    },
  );
}

/** A function, so the compiler does not narrow the module variable across the awaits above. */
function problemSeen(): Problem | undefined {
  return lastProblem;
}

function parseRetryAfter(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function trust(acme: Acme, extraCaPem: string | undefined): void {
  acme.axios.defaults.httpsAgent = new RecordingHttpsAgent(extraCaPem ? { ca: [...rootCertificates, extraCaPem] } : {});
}

export async function createAccountKey(): Promise<string> {
  const acme = await loadAcme();
  return (await acme.crypto.createPrivateEcdsaKey()).toString();
}

/** Orders a certificate for one hostname; resolves with the full chain and a new P-256 key. */
export async function orderCertificate(
  settings: AcmeSettings,
  accountKeyPem: string,
  hostname: string,
  challenge: ChallengeAnswers,
): Promise<{ certPem: string; keyPem: string }> {
  const acme = await loadAcme();
  configureOnce(acme);
  trust(acme, settings.extraCaPem);
  lastProblem = undefined;
  lastNetworkError = undefined;
  const client = new acme.Client({
    directoryUrl: settings.directoryUrl,
    accountKey: accountKeyPem,
    backoffMin: settings.pollMinMs,
    backoffMax: settings.pollMaxMs,
    backoffAttempts: 12,
  });
  const [key, csr] = await acme.crypto.createCsr(
    { commonName: hostname, altNames: [hostname] },
    await acme.crypto.createPrivateEcdsaKey(),
  );
  try {
    await ensureAccount(client, settings);
    const certPem = await client.auto({
      csr,
      email: settings.email,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // acme-client's self-check would fetch http://<name>:80 through public DNS; the CA's check is the one that counts.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, ch, keyAuthorization) => {
        if (ch.type === 'http-01') challenge.set(ch.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authz, ch) => {
        if (ch.type === 'http-01') challenge.remove(ch.token);
      },
    });
    return { certPem, keyPem: key.toString() };
  } catch (error) {
    const err = error as Error & { code?: string; cause?: { code?: string } };
    // The remembered problem explains this failure only if the library's message came from it.
    const seen = problemSeen();
    const problem = seen?.detail && err.message.includes(seen.detail) ? seen : undefined;
    const networkCode = err.code ?? err.cause?.code ?? (problem ? undefined : lastNetworkError);
    const isLibraryCrash = err instanceof TypeError && networkCode !== undefined;
    throw new AcmeOrderError(
      isLibraryCrash ? `connection failed (${networkCode})` : err.message,
      problem?.type,
      networkCode,
      problem?.retryAfterMs,
    );
  }
}

/**
 * Registers the account or finds the existing one. acme-client follows "account exists" with an update
 * carrying only termsOfServiceAgreed, which some CAs (Pebble) refuse as an empty update; by then the
 * account URL is known, and that is all an order needs.
 */
async function ensureAccount(client: Client, settings: AcmeSettings): Promise<void> {
  const contact = settings.email ? [`mailto:${settings.email}`] : undefined;
  try {
    await client.createAccount({ termsOfServiceAgreed: true, ...(contact && { contact }) });
  } catch (error) {
    try {
      client.getAccountUrl();
    } catch {
      throw error;
    }
  }
}
