/**
 * Threshold rules over numbers: the data directory's disk (fs.statfs, as `df` counts it), and, through
 * the MetricsReader port, sustained CPU and memory use and the share of 5xx answers per service.
 */
import type { Finding } from '../alert.types.js';
import type { MetricsReader } from '../metrics-port.js';
import type { RuleCheck, RuleContext } from './rule-context.js';
import { serviceLabel, serviceNames, type ServiceName } from './subjects.js';

/** Fewer requests than this in the window say nothing about an error rate (one 500 of two is not 50 %). */
export const MIN_REQUESTS_FOR_5XX_RATE = 20;
const DEFAULT_WINDOW_SECONDS = 300;

export const diskUsage: RuleCheck = async (ctx, rule) => {
  const threshold = rule.threshold ?? 90;
  const fs = await ctx.statfs(ctx.dataDir);
  // Like df: blocks reserved for root count as neither used nor available.
  const used = fs.blocks - fs.bfree;
  const percent = used + fs.bavail === 0 ? 0 : (used / (used + fs.bavail)) * 100;
  if (percent < threshold) return [];
  return [
    {
      subject: 'server:disk',
      projectId: null,
      title: `The disk of ${ctx.dataDir} is ${Math.round(percent)} % full`,
      detail: `The filesystem of the data directory is ${percent.toFixed(1)} % used (the alert threshold is ${threshold} %).`,
    },
  ];
};

async function perService(
  ctx: RuleContext,
  ask: (metrics: MetricsReader, service: ServiceName) => Promise<Omit<Finding, 'subject' | 'projectId'> | null>,
): Promise<Finding[]> {
  const metrics = ctx.metrics;
  if (!metrics) return [];
  const findings: Finding[] = [];
  for (const service of (await serviceNames(ctx.db)).values()) {
    const found = await ask(metrics, service);
    if (found) findings.push({ subject: `service:${service.serviceId}`, projectId: service.projectId, ...found });
  }
  return findings;
}

const windowMs = (seconds: number | null) => (seconds ?? DEFAULT_WINDOW_SECONDS) * 1000;
/** "5 min"; a window under two minutes in seconds ("20 s", not "0 min"). */
const minutes = (seconds: number | null) => {
  const value = seconds ?? DEFAULT_WINDOW_SECONDS;
  return value < 120 ? `${value} s` : `${Math.round(value / 60)} min`;
};

export const cpuHigh: RuleCheck = (ctx, rule) =>
  perService(ctx, async (metrics, service) => {
    const percent = await metrics.minCpuPercent(service.serviceId, windowMs(rule.windowSeconds));
    if (percent === null || percent <= (rule.threshold ?? 90)) return null;
    return {
      title: `${serviceLabel(service)} uses much CPU`,
      detail: `CPU use stayed above ${rule.threshold} % for ${minutes(rule.windowSeconds)} (at least ${percent.toFixed(0)} %).`,
    };
  });

export const memoryHigh: RuleCheck = (ctx, rule) =>
  perService(ctx, async (metrics, service) => {
    const percent = await metrics.minMemoryPercent(service.serviceId, windowMs(rule.windowSeconds));
    if (percent === null || percent <= (rule.threshold ?? 90)) return null;
    return {
      title: `${serviceLabel(service)} uses much memory`,
      detail: `Memory use stayed above ${rule.threshold} % of its limit for ${minutes(rule.windowSeconds)} (at least ${percent.toFixed(0)} %).`,
    };
  });

export const http5xxRate: RuleCheck = (ctx, rule) =>
  perService(ctx, async (metrics, service) => {
    const counts = await metrics.httpStatusCounts(service.serviceId, windowMs(rule.windowSeconds));
    if (!counts || counts.total < MIN_REQUESTS_FOR_5XX_RATE) return null;
    const percent = (counts.errors5xx / counts.total) * 100;
    if (percent <= (rule.threshold ?? 5)) return null;
    return {
      title: `${serviceLabel(service)} answers many 5xx errors`,
      detail: `${counts.errors5xx} of ${counts.total} requests (${percent.toFixed(1)} %) in the last ${minutes(rule.windowSeconds)} were 5xx (threshold ${rule.threshold} %).`,
    };
  });
