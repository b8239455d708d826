/**
 * How compose stack changes are audited: the object is the stack (the route's `:id`), its state what a
 * person chose (source kind, routed service and port, variable names and which are secret; never a secret
 * value), so the diff says what changed. A create is found in the project's list of stacks.
 */
import type { AppContext } from '../context.js';
import type { AuditLookup, Found } from './audit-readers.js';

const readStack: AuditLookup<Found> = async (ctx: AppContext, id: string) => {
  try {
    return found(await ctx.stacks.get(id));
  } catch {
    return undefined;
  }
};

const listStacksOf = async (ctx: AppContext, projectId: string): Promise<Found[]> => {
  try {
    return (await ctx.stacks.list(projectId)).map(found);
  } catch {
    return [];
  }
};

function found(stack: Awaited<ReturnType<AppContext['stacks']['get']>>): Found {
  return {
    id: stack.id,
    name: stack.name,
    projectId: stack.projectId,
    state: {
      source: stack.source.type === 'repo' ? stack.source : { type: 'paste' },
      routedService: stack.routedService,
      routedPort: stack.routedPort,
      templateId: stack.templateId,
      variables: Object.fromEntries(
        Object.entries(stack.variables).map(([k, v]) => [k, v.secret ? '(secret)' : v.value]),
      ),
    },
  };
}

/** An AuditRule (audit-actions.ts spreads these in; typed here by shape to keep imports one-way). */
interface StackAuditRule {
  action: string;
  objectType: string;
  read?: AuditLookup<Found>;
  list?: (ctx: AppContext, key: string) => Promise<Found[]>;
}

const change = (action: string): StackAuditRule => ({ action, objectType: 'stack', read: readStack });
const create = (action: string): StackAuditRule => ({ action, objectType: 'stack', list: listStacksOf });

/** Panel forms and API routes of stacks and templates → audit actions. */
export const STACK_AUDIT_RULES: Record<string, StackAuditRule> = {
  'POST /projects/:id/stacks': create('stack.create'),
  'POST /api/v1/projects/:id/stacks': create('stack.create'),
  // Changes nothing; recorded like any other POST (who checked which project's file).
  'POST /api/v1/projects/:id/stacks/check': { action: 'stack.check', objectType: 'project' },
  'POST /projects/:id/templates/:templateId': create('template.install'),
  'POST /api/v1/projects/:id/templates/:templateId': create('template.install'),
  'POST /stacks/:id/variables': change('stack.variables.update'),
  'PUT /api/v1/stacks/:id/variables': change('stack.variables.update'),
  'POST /stacks/:id/deploy': change('stack.deploy'),
  'POST /api/v1/stacks/:id/deploy': change('stack.deploy'),
  'POST /stacks/:id/domains': change('stack.domain.add'),
  'POST /api/v1/stacks/:id/domains': change('stack.domain.add'),
  'POST /stacks/:id/domains/:domainId/delete': change('stack.domain.remove'),
  'DELETE /api/v1/stacks/:id/domains/:domainId': change('stack.domain.remove'),
  'POST /stacks/:id/delete': change('stack.delete'),
  'DELETE /api/v1/stacks/:id': change('stack.delete'),
};
