/**
 * `berth login --server URL [--token T | --token-stdin]`: checks the token against the server (GET /me)
 * and stores both. Browser approval is not built: create a token in the panel (API tokens) or with
 * `berth token create` on the server. --token puts the secret in the process list; --token-stdin does not.
 */
import { ApiClient, normalizeServer } from './api-client.js';
import { parseCommand, usageError } from './arguments.js';
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
  const token = (values['token-stdin'] ? await ctx.readStdin() : String(values.token ?? '')).trim();
  if (!token)
    throw usageError(
      'login: pass the API token with --token-stdin (or --token T); create one in the panel under API tokens, or with `berth token create --name laptop` on the server',
    );
  const me = await new ApiClient({ server, token }).get<Me>('/me');
  await writeCredentials(ctx.settings.configDir, { server, token, email: me.user.email });
  ctx.out.say(`Logged in to ${server} as ${me.user.email} (token "${me.token.name}").`);
  ctx.out.say(`Credentials saved in ${credentialsPath(ctx.settings.configDir)} (mode 0600).`);
  ctx.out.json({ server, user: me.user, token: me.token });
  return EXIT.ok;
}
