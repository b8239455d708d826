/**
 * The proxy's HTTP metrics as SVG charts: well-formed SVG, one line per series, and each drawn point
 * where its value puts it (y linear in the value over the same axis, x at the step's start).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMs, stepLabel, trafficChartViews } from '../../src/traffic/traffic-charts.js';
import type { TrafficPoint, TrafficSeries } from '../../src/traffic/traffic-series.js';
import { pathPoints, svgProblems } from '../helpers/svg-check.js';

const STEP = 60_000;
const FROM = Date.UTC(2026, 11, 2, 9, 0);

function point(i: number, requests: number, s4: number, s5: number, p50: number | null): TrafficPoint {
  return {
    at: FROM + i * STEP,
    requests,
    status2xx: requests - s4 - s5,
    status3xx: 0,
    status4xx: s4,
    status5xx: s5,
    bytesIn: 0,
    bytesOut: 0,
    p50Ms: p50,
    p95Ms: p50 === null ? null : p50 * 2,
    p99Ms: p50 === null ? null : p50 * 4,
  };
}

function seriesOf(points: TrafficPoint[]): TrafficSeries {
  const sum = (pick: (p: TrafficPoint) => number) => points.reduce((a, p) => a + pick(p), 0);
  return {
    from: FROM,
    to: FROM + points.length * STEP,
    stepMs: STEP,
    points,
    totals: {
      requests: sum((p) => p.requests),
      status2xx: sum((p) => p.status2xx),
      status3xx: 0,
      status4xx: sum((p) => p.status4xx),
      status5xx: sum((p) => p.status5xx),
      bytesIn: 0,
      bytesOut: 0,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
      logDropped: 0,
    },
  };
}

/** The y of each value must be a + b·value for one a, b (the chart's linear axis), within rounding. */
function assertLinear(values: number[], ys: number[], label: string): void {
  assert.equal(ys.length, values.length, `${label}: one point per value`);
  // The axis from the two points furthest apart, so the rounding of drawn coordinates stays small.
  const [v0, v1] = [Math.min(...values), Math.max(...values)];
  const [y0, y1] = [ys[values.indexOf(v0)]!, ys[values.indexOf(v1)]!];
  const slope = (y1 - y0) / (v1 - v0);
  assert.ok(slope < 0, `${label}: a larger value is drawn higher`);
  values.forEach((v, i) => assert.ok(Math.abs(y0 + slope * (v - v0) - ys[i]!) <= 0.15, `${label} point ${i}`));
}

describe('traffic charts', () => {
  const requests = [10, 40, 0, 25, 80, 5];
  const errors4 = [1, 0, 0, 5, 2, 0];
  const errors5 = [0, 4, 0, 0, 10, 1];
  const p50 = [12, 30, null, 8, 100, 20];
  const series = seriesOf(requests.map((r, i) => point(i, r, errors4[i]!, errors5[i]!, p50[i]!)));
  const charts = trafficChartViews(series);
  const byId = new Map(charts.map((c) => [c.id, c]));

  it('draws requests, errors and latency as well-formed SVG', () => {
    assert.deepEqual([...byId.keys()], ['requests', 'errors', 'latency']);
    for (const chart of charts) assert.deepEqual(svgProblems(chart.svg), [], chart.id);
    assert.equal(byId.get('requests')!.title, 'Requests (per 1 min)');
  });

  it('puts every point where the data says', () => {
    const req = pathPoints(byId.get('requests')!.svg).get('Requests')!;
    assertLinear(
      requests,
      req.map(([, y]) => y),
      'requests',
    );
    // x: the steps are evenly spaced from the left edge of the plot.
    const gaps = req.slice(1).map(([x], i) => x - req[i]![0]);
    for (const gap of gaps) assert.ok(Math.abs(gap - gaps[0]!) <= 0.15, 'evenly spaced steps');

    const err = pathPoints(byId.get('errors')!.svg);
    // Both error lines share one axis: check them together.
    assertLinear(
      [...errors5, ...errors4],
      [...err.get('5xx')!, ...err.get('4xx')!].map(([, y]) => y),
      'errors',
    );

    const latency = pathPoints(byId.get('latency')!.svg);
    const drawn = p50.filter((v): v is number => v !== null);
    const ys = (label: string) => latency.get(label)!.map(([, y]) => y);
    assertLinear(
      [...drawn, ...drawn.map((v) => v * 2), ...drawn.map((v) => v * 4)],
      [...ys('p50'), ...ys('p95'), ...ys('p99')],
      'latency',
    );
    // A step without requests has no latency: the line breaks there.
    const d = /<path d="([^"]+)"[^>]*data-series="p50"/.exec(byId.get('latency')!.svg)![1]!;
    assert.equal(d.match(/M/g)!.length, 2);
  });

  it('gives the totals in the legend of counts and the latest latency', () => {
    const legend = (id: string) => byId.get(id)!.legend.map((l) => `${l.label}: ${l.latest}`);
    assert.deepEqual(legend('requests'), ['Requests: 160 in all']);
    assert.deepEqual(legend('errors'), ['5xx: 15 in all', '4xx: 8 in all']);
    assert.deepEqual(legend('latency'), ['p50: 20 ms', 'p95: 40 ms', 'p99: 80 ms']);
    assert.equal(formatMs(1500), '1.5 s');
    assert.equal(stepLabel(6 * 3600_000), 'per 6 h');
    assert.equal(stepLabel(86_400_000), 'per 1 d');
  });

  it('says "No data yet" for latency when nothing was requested, and draws zero counts', () => {
    const quiet = trafficChartViews(seriesOf([0, 1, 2].map((i) => point(i, 0, 0, 0, null))));
    const [req, , latency] = quiet;
    assert.match(latency!.svg, /No data yet/);
    assert.deepEqual(svgProblems(req!.svg), []);
    assert.equal(pathPoints(req!.svg).get('Requests')!.length, 3);
  });

  it('escapes what it writes and the checker catches broken markup', () => {
    assert.notDeepEqual(svgProblems('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>'), []);
    assert.notDeepEqual(svgProblems('<svg xmlns="http://www.w3.org/2000/svg"><text>a & b</text></svg>'), []);
  });
});
