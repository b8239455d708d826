/** `berth status`: the linked service's state, its live deployment and the newest one, and its URL. */
import { parseCommand } from './arguments.js';
import { connectLinked, type ClientContext } from './client-context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { DeploymentView } from './follow-deployment.js';

interface ServiceStateView {
  state: string;
  exitCode?: number | null;
  deployingId?: string | null;
  problem?: string | null;
}

export async function statusCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  parseCommand('status', args);
  const { api, link } = await connectLinked(ctx);
  const [service, state, deployments] = await Promise.all([
    api.get<{ id: string; name: string; url: string; source: { type: string } }>(`/services/${link.serviceId}`),
    api.get<ServiceStateView>(`/services/${link.serviceId}/status`),
    api.get<DeploymentView[]>(`/services/${link.serviceId}/deployments`),
  ]);
  const live = deployments.find((d) => d.status === 'active') ?? null;
  const latest = deployments[0] ?? null;
  ctx.out.say(`${link.project}/${link.service} on ${api.server}`);
  ctx.out.say(`  state:      ${state.state}${state.problem ? ` (${state.problem})` : ''}`);
  ctx.out.say(`  url:        ${service.url}`);
  ctx.out.say(`  live:       ${live ? `${live.id} (${live.trigger}, ${live.finishedAt ?? live.createdAt})` : 'none'}`);
  if (latest && latest.id !== live?.id)
    ctx.out.say(`  latest:     ${latest.id} ${latest.status}${latest.error ? `: ${latest.error}` : ''}`);
  ctx.out.json({
    project: link.project,
    service: link.service,
    serviceId: link.serviceId,
    url: service.url,
    state,
    live,
    latest,
  });
  return EXIT.ok;
}
