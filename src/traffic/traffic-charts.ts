/**
 * The proxy's HTTP metrics as SVG charts (the same server-side renderer as the resource charts): requests
 * per step, errors per step (4xx, 5xx) and latency percentiles (p50/p95/p99). Steps without requests have
 * no latency, so the latency lines break there; counts are zero, not gaps.
 */
import { chartLegend, renderChart, type ChartSeries } from '../metrics/chart-svg.js';
import type { ChartView } from '../metrics/metrics-view.js';
import type { TrafficPoint, TrafficSeries } from './traffic-series.js';

function line(label: string, points: readonly TrafficPoint[], pick: (p: TrafficPoint) => number | null): ChartSeries {
  // The renderer works in unix seconds; a point stands at the start of its step.
  return { label, points: points.map((p) => [p.at / 1000, pick(p)] as const) };
}

export function formatCount(value: number): string {
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(1)}M`;
  if (value >= 10_000) return `${Math.round(value / 1000)}k`;
  if (value >= 1000) return `${(value / 1000).toFixed(1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function formatMs(value: number): string {
  if (value >= 1000) return `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)} s`;
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ms`;
}

/** A step's length for chart titles: "per 1 min", "per 30 min", "per 6 h", "per 1 d". */
export function stepLabel(stepMs: number): string {
  const minutes = Math.round(stepMs / 60_000);
  if (minutes < 60) return `per ${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 24 ? `per ${hours} h` : `per ${Math.round(hours / 24)} d`;
}

export function trafficChartViews(series: TrafficSeries): ChartView[] {
  const { points } = series;
  const per = stepLabel(series.stepMs);
  const charts = [
    {
      id: 'requests',
      title: `Requests (${per})`,
      series: [line('Requests', points, (p) => p.requests)],
      format: formatCount,
      sums: true,
    },
    {
      id: 'errors',
      title: `Errors (${per})`,
      series: [line('5xx', points, (p) => p.status5xx), line('4xx', points, (p) => p.status4xx)],
      format: formatCount,
      sums: true,
    },
    {
      id: 'latency',
      title: 'Latency',
      series: [
        line('p50', points, (p) => p.p50Ms),
        line('p95', points, (p) => p.p95Ms),
        line('p99', points, (p) => p.p99Ms),
      ],
      format: formatMs,
      sums: false,
    },
  ];
  return charts.map((c) => ({
    id: c.id,
    title: c.title,
    svg: renderChart({
      title: c.title,
      series: c.series,
      from: series.from / 1000,
      to: series.to / 1000,
      step: series.stepMs / 1000,
      format: c.format,
    }),
    // Counts: the legend gives the range's total (the newest step is still filling up); latency its latest value.
    legend: chartLegend(c.series, c.format).map((entry, i) =>
      c.sums ? { ...entry, latest: `${formatCount(total(c.series[i]!))} in all` } : entry,
    ),
  }));
}

function total(series: ChartSeries): number {
  return series.points.reduce((sum, [, v]) => sum + (v ?? 0), 0);
}
