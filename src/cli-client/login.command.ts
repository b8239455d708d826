/**
 * `berth login --server URL [--token T | --token-stdin]`: checks the token against the server (GET /me)
 * and stores both. Without a token, the browser approval flow (browser-login.ts) gets one: approve the
 * printed code in the panel. --token puts the secret in the process list; --token-stdin does not.
 */
import { ApiClient, normalizeServer } from './api-client.js';
import { parseCommand, usageError } from './arguments.js';
import { browserLogin } from './browser-login.js';
import type { ClientContext } from './client-context.js';
import { credentialsPath, writeCredentials } from './credentials.js';
import { EXIT, type ExitCode } from './exit-codes.js';

interface Me {
  user: { id: string; email: string };
  token: { id: string; name: string };
}

export async function loginCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  const { values } = parseCommand('login', args, {
    server: { type: 'string' },
    token: { type: 'string' },
    'token-stdin': { type: 'boolean' },
  });
  if (typeof values.server !== 'string') throw usageError('login: --server URL is required');
  if (values.token !== undefined && values['token-stdin'])
    throw usageError('login: give --token or --token-stdin, not both');
  const server = normalizeServer(values.server);
  let token = (values['token-stdin'] ? await ctx.readStdin() : String(values.token ?? '')).trim();
  if (!token && (values['token-stdin'] || values.token !== undefined))
    throw usageError(
      'login: the token given is empty; create one in the panel under API tokens, or leave out --token to approve in the browser',
    );
  if (!token) token = await browserLogin(server, ctx.out);
  const me = await new ApiClient({ server, token }).get<Me>('/me');
  await writeCredentials(ctx.settings.configDir, { server, token, email: me.user.email });
  ctx.out.say(`Logged in to ${server} as ${me.user.email} (token "${me.token.name}").`);
  ctx.out.say(`Credentials saved in ${credentialsPath(ctx.settings.configDir)} (mode 0600).`);
  ctx.out.json({ server, user: me.user, token: me.token });
  return EXIT.ok;
}
