/**
 * Follows a deployment to its end: its log streamed line by line (GET /deployments/:id/logs?follow=true),
 * a progress line with the phase and the time so far on a terminal, and the status polled beside the
 * stream, since the log stays open while the old release drains after the switch. Returns the deployment
 * as it ended.
 */
import type { ApiClient } from './api-client.js';
import type { Output } from './output.js';

export interface DeploymentView {
  id: string;
  serviceId: string;
  status: string;
  trigger: string;
  error?: string | null;
  url?: string | null;
  createdAt: string;
  finishedAt?: string | null;
  commit?: { sha: string; message?: string | null } | null;
}

export const ENDED = new Set(['active', 'failed', 'cancelled', 'interrupted', 'superseded', 'replaced']);
const POLL_MS = 1000;
/** After the status ends, the last lines (e.g. "Live at …") still get this long to arrive. */
const TAIL_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function followDeployment(api: ApiClient, out: Output, first: DeploymentView): Promise<DeploymentView> {
  const startedAt = Date.now();
  let phase = first.status;
  const draw = () => out.progress(`[${phase}] ${Math.round((Date.now() - startedAt) / 1000)}s`);
  draw();
  const ticker = out.isTty ? setInterval(draw, 1000) : undefined;
  const stop = new AbortController();
  let latest = first;

  const stream = (async () => {
    try {
      for await (const line of api.lines(`/deployments/${first.id}/logs?follow=true`, stop.signal)) {
        const marker = /--- ([a-z]+)\b/.exec(line);
        if (marker && !line.includes('Deployment ')) phase = marker[1]!;
        // With --json only the final document is printed (one JSON value on stdout for scripts).
        out.say(line);
        draw();
      }
    } catch (error) {
      if (!stop.signal.aborted) out.warn(`(the log stream stopped: ${error instanceof Error ? error.message : error})`);
    }
  })();

  try {
    while (!ENDED.has(latest.status)) {
      await sleep(POLL_MS);
      latest = await api.get<DeploymentView>(`/deployments/${first.id}`);
      if (!ENDED.has(latest.status)) phase = latest.status;
    }
    await Promise.race([sleep(TAIL_MS), stream]);
  } finally {
    stop.abort();
    if (ticker) clearInterval(ticker);
    out.progress(undefined);
  }
  await stream;
  return latest;
}

/** Words and exit status for a deployment that ended: the URL when it went live, the reason when not. */
export function reportEnd(out: Output, deployment: DeploymentView): boolean {
  const isLive = deployment.status === 'active';
  if (isLive) out.say(`Deployed: ${deployment.url ?? '(no URL)'}`);
  else out.warn(`Deployment ${deployment.id} ${deployment.status}${deployment.error ? `: ${deployment.error}` : ''}`);
  out.json({ deployment, url: deployment.url ?? null, isLive });
  return isLive;
}
