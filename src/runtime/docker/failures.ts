/** How dockerode failures are told apart: "no engine at the other end" versus "the engine said no". */

export type DockerFailure = Error & { code?: string; statusCode?: number; json?: { message?: string } };

// Failures that mean "no engine at the other end", as opposed to the engine saying no.
// prettier-ignore
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'EPIPE', 'ECONNRESET', 'ETIMEDOUT',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ABORT_ERR',
]);

export function asFailure(err: unknown): DockerFailure {
  return err instanceof Error ? (err as DockerFailure) : new Error(String(err));
}

export function isConnectionError(err: DockerFailure): boolean {
  return err.statusCode === undefined && (CONNECTION_ERRORS.has(err.code ?? '') || err.name === 'AbortError');
}

/** The engine's own words for a refusal, without dockerode's "(HTTP code 404) ..." wrapping. */
export function engineMessage(err: DockerFailure): string {
  return (err.json?.message ?? err.message).trim();
}

/** Resolves to undefined when the engine answers with `status` (e.g. 404 on inspect); other errors pass through. */
export async function unlessStatus<T>(status: number | number[], work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (err) {
    const code = asFailure(err).statusCode;
    if (code !== undefined && (Array.isArray(status) ? status.includes(code) : status === code)) return undefined;
    throw err;
  }
}

export function labelFilter(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}
