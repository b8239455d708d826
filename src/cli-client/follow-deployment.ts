/**
 * Follows a deployment to its end: its log streamed line by line (GET /deployments/:id/logs?follow=true),
 * a progress line with the phase and the time so far on a terminal, and the status polled beside the
 * stream, since the log stays open while the old release drains after the switch; the lines the stream
 * had not shown yet when it ended are read at the end. Returns the deployment as it ended.
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
const RECONNECT_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function followDeployment(api: ApiClient, out: Output, first: DeploymentView): Promise<DeploymentView> {
  const startedAt = Date.now();
  let phase = first.status;
  const draw = () => out.progress(`[${phase}] ${Math.round((Date.now() - startedAt) / 1000)}s`);
  draw();
  const ticker = out.isTty ? setInterval(draw, 1000) : undefined;
  const stop = new AbortController();
  let latest = first;

  // The log of a deployment that has not started yet is not live: its stream ends at once. So the stream is
  // opened again until the deployment ends; each opening replays the log, and the lines already printed
  // are skipped.
  let printed = 0;
  let hasWarned = false;
  const stream = (async () => {
    while (!stop.signal.aborted) {
      let index = 0;
      try {
        for await (const line of api.lines(`/deployments/${first.id}/logs?follow=true`, stop.signal)) {
          index += 1;
          if (index <= printed) continue;
          printed += 1;
          const marker = /--- ([a-z]+)\b/.exec(line);
          if (marker) phase = marker[1]!;
          // With --json only the final document is printed (one JSON value on stdout for scripts).
          out.say(line);
          draw();
        }
      } catch (error) {
        if (stop.signal.aborted) return;
        if (!hasWarned) out.warn(`(the log stream broke, retrying: ${error instanceof Error ? error.message : error})`);
        hasWarned = true;
      }
      if (!stop.signal.aborted) await sleep(RECONNECT_MS);
    }
  })();

  try {
    while (!ENDED.has(latest.status)) {
      await sleep(POLL_MS);
      latest = await api.get<DeploymentView>(`/deployments/${first.id}`);
      if (!ENDED.has(latest.status)) phase = latest.status;
    }
  } finally {
    stop.abort();
    if (ticker) clearInterval(ticker);
    await stream;
    out.progress(undefined);
  }
  // The lines the stream had not shown when the deployment ended (e.g. "Live at …").
  const { lines } = await api.get<{ lines: string[] }>(`/deployments/${first.id}/logs`);
  for (const line of lines.slice(printed)) out.say(line);
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
