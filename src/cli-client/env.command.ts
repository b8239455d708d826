/**
 * `berth env list | create NAME | duplicate SOURCE NAME --databases empty|seed [--deploy] [--pause-cron] | delete NAME
 * --confirm NAME`: the environments of a project: the linked directory's, or the one named with
 * --project. Human output by default, one JSON document with --json.
 */
import { AppError } from '../errors.js';
import { parseCommand, usageError } from './arguments.js';
import { connect, type ClientContext } from './client-context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { ApiClient } from './api-client.js';
import { findLink } from './link-file.js';

const USAGE =
  'usage: berth env list | env create NAME | env duplicate SOURCE NAME --databases empty|seed [--deploy] [--pause-cron] | env delete NAME --confirm NAME   [--project NAME]';

type Environment = { id: string; name: string; isProduction: boolean; serviceCount: number; networkName: string };
type Duplicate = {
  environment: Environment;
  services: Array<{ name: string }>;
  databases: Array<{ name: string; seededFrom: string | null }>;
  stacks?: Array<{ name: string }>;
  deployed: boolean;
};

async function projectOf(ctx: ClientContext, api: ApiClient, named: string | undefined) {
  if (named) {
    const projects = await api.get<Array<{ id: string; name: string }>>('/projects');
    const project = projects.find((p) => p.name === named);
    if (!project) throw new AppError('NOT_FOUND', `No project "${named}" that you can see on ${api.server}.`);
    return project;
  }
  const found = await findLink(ctx.settings.cwd);
  if (!found) throw usageError('env: name the project with --project NAME, or run this in a linked directory');
  return { id: found.link.projectId, name: found.link.project };
}

export async function envCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  const { positionals, values } = parseCommand(
    'env',
    args,
    {
      project: { type: 'string' },
      databases: { type: 'string' },
      deploy: { type: 'boolean' },
      'pause-cron': { type: 'boolean' },
      confirm: { type: 'string' },
    },
    3,
  );
  const [action = 'list', ...rest] = positionals;
  const expected: Record<string, number> = { list: 0, create: 1, duplicate: 2, delete: 1 };
  if (expected[action] === undefined || rest.length !== expected[action]) throw usageError(USAGE);
  if (action === 'duplicate' && values.databases !== 'empty' && values.databases !== 'seed') {
    throw usageError('env duplicate: choose --databases empty or --databases seed (from the latest verified backup)');
  }
  if (action === 'delete' && values.confirm !== rest[0]) {
    throw usageError(`env delete: confirm with --confirm ${rest[0]} (everything in it is deleted)`);
  }
  const api = await connect(ctx);
  const project = await projectOf(ctx, api, values.project as string | undefined);
  const base = `/projects/${project.id}/environments`;

  if (action === 'list') {
    const list = await api.get<Environment[]>(base);
    for (const e of list) {
      ctx.out.say(
        `${e.name}${e.isProduction ? ' (production)' : ''}  ${e.serviceCount} service(s)  network ${e.networkName}`,
      );
    }
    ctx.out.json(list);
    return EXIT.ok;
  }
  if (action === 'create') {
    const created = await api.json<Environment>('POST', base, { name: rest[0] });
    ctx.out.say(`Created environment ${created.name} in ${project.name}.`);
    ctx.out.json(created);
    return EXIT.ok;
  }
  if (action === 'duplicate') {
    const [source, name] = rest as [string, string];
    const result = await api.json<Duplicate>('POST', `${base}/${encodeURIComponent(source)}/duplicate`, {
      name,
      databases: values.databases,
      ...(values.deploy ? { deploy: true } : {}),
      ...(values['pause-cron'] ? { cron: 'paused' } : {}),
    });
    const stacks = (result.stacks ?? []).map((s) => s.name);
    const dbs = result.databases.map((d) => `${d.name}${d.seededFrom ? ` (seeded from ${d.seededFrom})` : ' (empty)'}`);
    ctx.out.say(
      `Duplicated ${source} into ${name}: ${result.services.length} app(s)` +
        (result.services.length ? ` (${result.services.map((s) => s.name).join(', ')})` : '') +
        `, ${dbs.length} database(s)${dbs.length ? ` (${dbs.join(', ')})` : ''}` +
        (stacks.length ? `, ${stacks.length} stack(s) (${stacks.join(', ')})` : '') +
        '; ' +
        (result.deployed ? 'deploys are queued.' : 'nothing deployed yet.'),
    );
    ctx.out.json(result);
    return EXIT.ok;
  }
  const name = rest[0]!;
  const deleted = await api.json<{ steps: string[] }>('DELETE', `${base}/${encodeURIComponent(name)}`, {
    confirm: name,
  });
  for (const step of deleted.steps) ctx.out.say(step);
  ctx.out.json(deleted);
  return EXIT.ok;
}
