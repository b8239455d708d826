/** Chart sets for the panel's metrics sections: which series each chart shows and how values read. */
import { chartLegend, formatBytes, formatPercent, renderChart, type ChartSeries } from './chart-svg.js';
import type { SeriesResult } from './metrics.service.js';
import type { SeriesPoint } from './metrics.types.js';

export interface ChartView {
  id: string;
  title: string;
  /** Trusted SVG markup (every text inside is escaped by renderChart). */
  svg: string;
  legend: Array<{ label: string; latest: string; colour: string }>;
}

function line(label: string, points: readonly SeriesPoint[], pick: (p: SeriesPoint) => number | null): ChartSeries {
  return { label, points: points.map((p) => [p.t, pick(p)] as const) };
}

/** A chart to draw: any numeric series over the result's range (e.g. requests, errors, latency). */
export interface ChartSpec {
  id: string;
  title: string;
  series: ChartSeries[];
  format: (value: number) => string;
}

/**
 * CPU, memory and network charts; `disk` adds the disk chart (the server view); `extra` appends charts of
 * other series over the same range (the proxy's request metrics).
 */
export function chartViews(
  result: SeriesResult,
  options: { disk?: boolean; extra?: readonly ChartSpec[] } = {},
): ChartView[] {
  const { points } = result;
  const rate = (v: number) => `${formatBytes(v)}/s`;
  const charts: ChartSpec[] = [
    {
      id: 'cpu',
      title: 'CPU (% of one core)',
      series: [line('CPU', points, (p) => p.cpuPercent)],
      format: formatPercent,
    },
    {
      id: 'memory',
      title: 'Memory',
      series: [line('In use', points, (p) => p.memoryBytes), line('Limit', points, (p) => p.memoryLimitBytes)],
      format: formatBytes,
    },
    {
      id: 'network',
      title: 'Network',
      series: [line('In', points, (p) => p.netRxRate), line('Out', points, (p) => p.netTxRate)],
      format: rate,
    },
  ];
  if (options.disk)
    charts.push({
      id: 'disk',
      title: 'Disk (data dir)',
      series: [line('Used', points, (p) => p.diskBytes)],
      format: formatBytes,
    });
  charts.push(...(options.extra ?? []));
  return charts.map((c) => ({
    id: c.id,
    title: c.title,
    svg: renderChart({
      title: c.title,
      series: c.series,
      from: result.from,
      to: result.to,
      step: result.step,
      format: c.format,
    }),
    legend: chartLegend(c.series, c.format),
  }));
}
