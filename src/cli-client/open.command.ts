/**
 * `berth open`: prints the linked service's URL. It opens no browser (a command that starts programs
 * would need a desktop to be sure of): copy the link, or `xdg-open "$(berth open)"`.
 */
import { parseCommand } from './arguments.js';
import { connectLinked, type ClientContext } from './client-context.js';
import { EXIT, type ExitCode } from './exit-codes.js';

export async function openCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  parseCommand('open', args);
  const { api, link } = await connectLinked(ctx);
  const service = await api.get<{ url: string }>(`/services/${link.serviceId}`);
  ctx.out.say(service.url);
  ctx.out.json({ url: service.url });
  return EXIT.ok;
}
