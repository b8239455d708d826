/** `berth link <project>/<service>`: this directory deploys to that service (.berth/link.json). */
import { AppError } from '../errors.js';
import { parseCommand, parseServiceRef } from './arguments.js';
import { connect, type ClientContext } from './client-context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { findLink, removeLink, writeLink, type Link } from './link-file.js';

export async function linkCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  const { positionals } = parseCommand('link', args, {}, 1);
  const ref = parseServiceRef(positionals[0]);
  const api = await connect(ctx);
  const projects = await api.get<Array<{ id: string; name: string }>>('/projects');
  const project = projects.find((p) => p.name === ref.project);
  if (!project) throw new AppError('NOT_FOUND', `No project "${ref.project}" that you can see on ${api.server}.`);
  const services = await api.get<Array<{ id: string; name: string }>>(`/projects/${project.id}/services`);
  const service = services.find((s) => s.name === ref.service);
  if (!service) throw new AppError('NOT_FOUND', `Project "${ref.project}" has no app service "${ref.service}".`);
  const link: Link = {
    server: api.server,
    projectId: project.id,
    project: project.name,
    serviceId: service.id,
    service: service.name,
  };
  const file = await writeLink(ctx.settings.cwd, link);
  ctx.out.say(`Linked ${ctx.settings.cwd} to ${project.name}/${service.name} (${file}).`);
  ctx.out.json(link);
  return EXIT.ok;
}

/** `berth unlink`: the undo of `berth link` for the directory holding the nearest .berth/link.json. */
export async function unlinkCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  parseCommand('unlink', args);
  const found = await findLink(ctx.settings.cwd);
  const file = found && (await removeLink(found.root));
  ctx.out.say(
    file ? `Unlinked ${found!.root} (${found!.link.project}/${found!.link.service}).` : 'Nothing is linked here.',
  );
  ctx.out.json({ unlinked: file !== undefined });
  return EXIT.ok;
}
