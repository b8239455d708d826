/**
 * `berth logout [--revoke]`: the undo of `berth login`. Forgets the stored server and token; with --revoke
 * the token is first revoked on the server too (a copy of it elsewhere stops working), which needs the
 * server to answer. Not logged in is no error.
 */
import { parseCommand } from './arguments.js';
import { connect, type ClientContext } from './client-context.js';
import { readCredentials, removeCredentials } from './credentials.js';
import { EXIT, type ExitCode } from './exit-codes.js';

export async function logoutCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  const { values } = parseCommand('logout', args, { revoke: { type: 'boolean' } });
  const credentials = await readCredentials(ctx.settings.configDir);
  if (!credentials) {
    ctx.out.say('Not logged in.');
    ctx.out.json({ loggedOut: false, revoked: false });
    return EXIT.ok;
  }
  let revoked = false;
  if (values.revoke === true) {
    const api = await connect(ctx);
    const me = await api.get<{ token: { id: string } }>('/me');
    await api.json('DELETE', `/tokens/${encodeURIComponent(me.token.id)}`);
    revoked = true;
  }
  await removeCredentials(ctx.settings.configDir);
  ctx.out.say(`Logged out of ${credentials.server}${revoked ? ' (the token is revoked)' : ''}.`);
  ctx.out.json({ loggedOut: true, server: credentials.server, revoked });
  return EXIT.ok;
}
