/**
 * Line charts as inline SVG, rendered on the server: no chart library, no script, no outside request.
 * Takes any numeric series over time (CPU, memory, traffic here; requests, errors and latency from the
 * proxy's metrics can be drawn the same way). Every text is escaped; gaps in the data break the line.
 */

export interface ChartSeries {
  label: string;
  /** [unix seconds, value]; null values and missing steps are gaps. */
  points: ReadonlyArray<readonly [number, number | null]>;
}

export interface ChartOptions {
  title: string;
  series: readonly ChartSeries[];
  /** The time window the x axis spans, unix seconds. */
  from: number;
  to: number;
  /** Points further apart than this (seconds) are not joined. */
  step: number;
  /** How a value is written on the axis and in the summary (e.g. bytes, percent). */
  format: (value: number) => string;
  width?: number;
  height?: number;
}

const PAD = { left: 64, right: 12, top: 10, bottom: 22 };
const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea'];

export function renderChart(options: ChartOptions): string {
  const width = options.width ?? 420;
  const height = options.height ?? 150;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const values = options.series.flatMap((s) => s.points.map((p) => p[1]).filter((v): v is number => v !== null));
  const title = escapeXml(options.title);
  const open = `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}">`;
  if (values.length === 0) {
    return `${open}<title>${title}</title><rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#ddd"/><text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="chart-empty">No data yet</text></svg>`;
  }
  const max = niceMax(Math.max(...values));
  const span = Math.max(1, options.to - options.from);
  const x = (t: number) => PAD.left + ((t - options.from) / span) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const parts = [open, `<title>${title}</title>`];
  for (const fraction of [0, 0.5, 1]) {
    const gy = y(max * fraction).toFixed(1);
    parts.push(
      `<line x1="${PAD.left}" x2="${width - PAD.right}" y1="${gy}" y2="${gy}" stroke="#e5e7eb"/>`,
      `<text x="${PAD.left - 4}" y="${gy}" text-anchor="end" dominant-baseline="middle" class="chart-axis">${escapeXml(options.format(max * fraction))}</text>`,
    );
  }
  parts.push(
    `<text x="${PAD.left}" y="${height - 4}" class="chart-axis">${escapeXml(timeLabel(options.from, span))}</text>`,
    `<text x="${width - PAD.right}" y="${height - 4}" text-anchor="end" class="chart-axis">${escapeXml(timeLabel(options.to, span))}</text>`,
  );
  options.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const d = pathOf(series.points, options.step, x, y);
    if (d)
      parts.push(
        `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5" data-series="${escapeXml(series.label)}"/>`,
      );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The legend under a chart: each series with its latest value. */
export function chartLegend(
  series: readonly ChartSeries[],
  format: (value: number) => string,
): Array<{ label: string; latest: string; colour: string }> {
  return series.map((s, i) => {
    const last = [...s.points].reverse().find((p) => p[1] !== null);
    return { label: s.label, latest: last ? format(last[1]!) : '–', colour: COLOURS[i % COLOURS.length]! };
  });
}

function pathOf(
  points: ReadonlyArray<readonly [number, number | null]>,
  step: number,
  x: (t: number) => number,
  y: (v: number) => number,
): string {
  const commands: string[] = [];
  let previous: number | undefined;
  for (const [t, v] of points) {
    if (v === null) {
      previous = undefined;
      continue;
    }
    // A step or more missing means the service was not running (or Berth was not): do not draw across it.
    const joined = previous !== undefined && t - previous <= step * 1.5;
    commands.push(`${joined ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`);
    previous = t;
  }
  // A lone point has no length; draw it as a short tick so it shows.
  return commands.length === 1 ? `${commands[0]}h1` : commands.join('');
}

/** A round axis maximum at or above the largest value (1, 2 or 5 times a power of ten). */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (value <= m * power) return m * power;
  return 10 * power;
}

function timeLabel(seconds: number, span: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return span <= 86_400 ? `${iso.slice(11, 16)} UTC` : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function formatBytes(value: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = value;
  let unit = 0;
  while (Math.abs(v) >= 1000 && unit < units.length - 1) {
    v /= 1000;
    unit++;
  }
  return `${v >= 100 || unit === 0 ? Math.round(v) : v.toFixed(1)} ${units[unit]}`;
}

export function formatPercent(value: number): string {
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} %`;
}
