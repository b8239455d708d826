/**
 * `berth plan`, `berth apply` and `berth export`: a whole project as a berth.project.json (README "Project
 * as code"). The project is the linked directory's, or `--project NAME`. plan prints each change
 * (`+ service web`, `~ web.replicas 1 → 2`, `- database old`) and exits 0 when there is none, 2 when there
 * are some; apply plans, asks on a terminal (refuses without --yes when stdin is not one), and applies with
 * the plan's hash, so a project changed meanwhile is refused (exit 1, nothing changed).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppError } from '../errors.js';
import type { ApiClient } from './api-client.js';
import { parseCommand, usageError } from './arguments.js';
import { connect, type ClientContext } from './client-context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { findLink } from './link-file.js';

export const PROJECT_FILE = 'berth.project.json';
/** `berth plan`: the exit code when the file would change something. */
export const EXIT_CHANGES = 2;

interface Change {
  action: 'create' | 'update' | 'delete';
  kind: string;
  path: string;
  old?: unknown;
  new?: unknown;
  skipped?: boolean;
}
interface Plan {
  changes: Change[];
  notes: string[];
  planHash: string;
}

const FILE_OPTIONS = { file: { type: 'string', short: 'f' }, project: { type: 'string' } } as const;

export async function planCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  const { values } = parseCommand('plan', args, { ...FILE_OPTIONS, prune: { type: 'boolean' } });
  const { api, projectId, project } = await target(ctx, values.project);
  const file = await readProjectFile(ctx, values.file);
  const plan = await api.json<Plan>('POST', `/projects/${projectId}/config/plan`, {
    file,
    prune: values.prune === true,
  });
  printPlan(ctx, project, plan);
  ctx.out.json({ project, projectId, ...plan });
  return plan.changes.length === 0 ? EXIT.ok : (EXIT_CHANGES as ExitCode);
}

export async function applyCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  const { values } = parseCommand('apply', args, {
    ...FILE_OPTIONS,
    prune: { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
  });
  const { api, projectId, project } = await target(ctx, values.project);
  const file = await readProjectFile(ctx, values.file);
  const prune = values.prune === true;
  const plan = await api.json<Plan>('POST', `/projects/${projectId}/config/plan`, { file, prune });
  printPlan(ctx, project, plan);
  if (plan.changes.filter((c) => !c.skipped).length === 0) {
    ctx.out.json({ project, projectId, applied: false, ...plan });
    return EXIT.ok;
  }
  if (values.yes !== true) {
    if (!ctx.isInteractive) {
      throw usageError(
        'apply: stdin is not a terminal, so nobody can confirm: run `berth apply --yes` to apply this plan',
      );
    }
    const answer = await ctx.ask('Apply these changes? Type "yes" to go on: ');
    if (answer.trim() !== 'yes') {
      ctx.out.say('Nothing applied.');
      return EXIT.failure;
    }
  }
  const applied = await api.json<Plan>('POST', `/projects/${projectId}/config/apply`, {
    file,
    prune,
    expectPlanHash: plan.planHash,
  });
  ctx.out.say(`Applied ${applied.changes.filter((c) => !c.skipped).length} change(s) to ${project}.`);
  ctx.out.json({ project, projectId, applied: true, ...applied });
  return EXIT.ok;
}

export async function exportCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  const { values } = parseCommand('export', args, { ...FILE_OPTIONS, stdout: { type: 'boolean' } });
  const { api, projectId, project } = await target(ctx, values.project);
  const file = await api.get<unknown>(`/projects/${projectId}/config`);
  const text = `${JSON.stringify(file, null, 2)}\n`;
  if (values.stdout === true || ctx.out.isJson) {
    if (ctx.out.isJson) ctx.out.json(file);
    else ctx.out.say(text.trimEnd());
    return EXIT.ok;
  }
  const path = resolve(ctx.settings.cwd, typeof values.file === 'string' ? values.file : PROJECT_FILE);
  await writeFile(path, text);
  ctx.out.say(`Wrote ${project} to ${path} (secret values are {"secret": true}: they stay on the server).`);
  return EXIT.ok;
}

async function target(ctx: ClientContext, name: string | boolean | undefined) {
  const api = await connect(ctx);
  if (typeof name === 'string') {
    const projects = await api.get<Array<{ id: string; name: string }>>('/projects');
    const found = projects.find((p) => p.name === name);
    if (!found) throw new AppError('NOT_FOUND', `No project named "${name}" on ${api.server}.`);
    return { api, projectId: found.id, project: found.name };
  }
  const linked = await findLink(ctx.settings.cwd);
  if (!linked) throw usageError('name the project with --project NAME, or run this in a linked directory');
  return { api: api as ApiClient, projectId: linked.link.projectId, project: linked.link.project };
}

async function readProjectFile(ctx: ClientContext, path: string | boolean | undefined): Promise<unknown> {
  const full = resolve(ctx.settings.cwd, typeof path === 'string' ? path : PROJECT_FILE);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch {
    throw usageError(`no project file at ${full} (write one with \`berth export\`)`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw usageError(`${full} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function printPlan(ctx: ClientContext, project: string, plan: Plan): void {
  if (plan.changes.length === 0) ctx.out.say(`${project}: no changes (the server matches the file).`);
  for (const change of plan.changes) ctx.out.say(describe(change));
  for (const note of plan.notes) ctx.out.say(`! ${note}`);
}

function describe(change: Change): string {
  const sign = change.action === 'create' ? '+' : change.action === 'update' ? '~' : '-';
  const subject =
    change.kind === 'service' || change.kind === 'database' || change.kind === 'environment'
      ? `${change.kind} ${change.path}`
      : change.path;
  const values =
    change.action === 'update'
      ? ` ${show(change.old)} → ${show(change.new)}`
      : change.action === 'create' && (change.kind === 'variable' || change.kind === 'setting')
        ? ` = ${show(change.new)}`
        : '';
  return `${sign} ${subject}${values}${change.skipped ? ' (kept: apply deletes only with --prune)' : ''}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value ?? null);
}
