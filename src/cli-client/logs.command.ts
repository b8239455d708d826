/**
 * `berth logs [-f] [--tail N]`: the output of the linked service's running containers. -f follows
 * (across redeploys) until Ctrl-C. With --json: one JSON string per line.
 */
import { parseCommand, usageError } from './arguments.js';
import { connectLinked, type ClientContext } from './client-context.js';
import { EXIT, type ExitCode } from './exit-codes.js';

export async function logsCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  const { values } = parseCommand('logs', args, {
    follow: { type: 'boolean', short: 'f' },
    tail: { type: 'string', short: 'n' },
  });
  const tail = values.tail === undefined ? undefined : String(values.tail);
  if (tail !== undefined && !/^\d{1,5}$/.test(tail)) throw usageError('logs: --tail takes a number of lines');
  const { api, link } = await connectLinked(ctx);
  const query = new URLSearchParams();
  if (tail !== undefined) query.set('tail', tail);
  const path = `/services/${link.serviceId}/logs`;
  const print = (line: string) => {
    ctx.out.say(line);
    ctx.out.jsonLine(line);
  };
  if (!values.follow) {
    const result = await api.get<{ lines: string[]; deploymentId: string | null }>(`${path}?${query}`);
    if (result.deploymentId === null) ctx.out.warn(`${link.project}/${link.service} has no live deployment.`);
    result.lines.forEach(print);
    return EXIT.ok;
  }
  query.set('follow', 'true');
  for await (const line of api.lines(`${path}?${query}`)) print(line);
  return EXIT.ok;
}
