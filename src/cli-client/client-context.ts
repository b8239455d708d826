/** What every developer command gets: its settings, its output, stdin, and a way to the linked service. */
import { AppError } from '../errors.js';
import { ApiClient } from './api-client.js';
import { requireCredentials } from './credentials.js';
import { requireLink, type FoundLink } from './link-file.js';
import type { Output } from './output.js';

/** The same shape as config-cli.ts's CliClientSettings (the client imports no server code). */
export interface ClientSettings {
  readonly configDir: string;
  readonly cwd: string;
}

export interface ClientContext {
  settings: ClientSettings;
  out: Output;
  /** All of stdin as text (for --token-stdin). */
  readStdin: () => Promise<string>;
  /** Stdin and stdout are a terminal: someone can answer a question. */
  isInteractive: boolean;
  /** Asks on stdout and reads one line of stdin (only when interactive). */
  ask: (question: string) => Promise<string>;
}

/** The API of the logged-in server. */
export async function connect(ctx: ClientContext): Promise<ApiClient> {
  return new ApiClient(await requireCredentials(ctx.settings.configDir));
}

/** The API and the service this directory is linked to; a link to another server than the login is refused. */
export async function connectLinked(ctx: ClientContext): Promise<{ api: ApiClient } & FoundLink> {
  const api = await connect(ctx);
  const found = await requireLink(ctx.settings.cwd);
  if (found.link.server !== api.server)
    throw new AppError(
      'BAD_REQUEST',
      `This directory is linked to ${found.link.server}, but you are logged in to ${api.server}: log in there or link again.`,
    );
  return { api, ...found };
}
