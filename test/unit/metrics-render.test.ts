import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldDiskUsage } from '../../src/runtime/docker/disk-usage.js';
import { toContainerStats, workingSetBytes } from '../../src/runtime/docker/stats.js';
import type { RawContainerStats } from '../../src/runtime/docker/client.js';
import { formatBytes, niceMax, renderChart } from '../../src/metrics/chart-svg.js';
import { counterDelta, cpuPercent } from '../../src/metrics/cpu.js';
import { prometheusText } from '../../src/metrics/prometheus.js';
import type { LiveContainer } from '../../src/metrics/sampler.js';

describe('metrics: charts, Prometheus text, docker-stats arithmetic', () => {
  it('renders an empty chart as a frame that says there is no data', () => {
    const svg = renderChart({
      title: 'CPU',
      series: [{ label: 'CPU', points: [] }],
      from: 0,
      to: 3600,
      step: 10,
      format: String,
    });
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*role="img" aria-label="CPU">/);
    assert.match(svg, /No data yet/);
    assert.doesNotMatch(svg, /<path/);
  });

  it('renders a full series as one line and breaks it over a gap; text is escaped', () => {
    const points: Array<[number, number | null]> = [];
    for (let t = 0; t < 3600; t += 10) points.push([t, t >= 1000 && t < 1200 ? null : 50 + (t % 100)]);
    const svg = renderChart({
      title: 'Memory <b>&',
      series: [{ label: 'In "use"', points }],
      from: 0,
      to: 3600,
      step: 10,
      format: formatBytes,
    });
    const d = /<path d="([^"]+)"/.exec(svg)![1]!;
    assert.equal(d.match(/M/g)!.length, 2, 'the null values split the line in two');
    assert.equal(d.match(/L/g)!.length, points.filter((p) => p[1] !== null).length - 2);
    assert.match(svg, /aria-label="Memory &#60;b&#62;&#38;"/);
    assert.match(svg, /data-series="In &#34;use&#34;"/);
    assert.doesNotMatch(svg, /<b>/);
    // The y axis tops out at a round value above the largest (149 → 200).
    assert.equal(niceMax(149), 200);
    assert.match(svg, />200 B</);
    // Every coordinate stays inside the view box.
    for (const [, x, y] of d.matchAll(/[ML]([\d.]+),([\d.]+)/g)) {
      assert.ok(Number(x) >= 0 && Number(x) <= 420 && Number(y) >= 0 && Number(y) <= 150);
    }
  });

  it('computes CPU % like docker stats and treats a counter that went down as reset', () => {
    const base = {
      readAt: 0,
      memoryBytes: 0,
      memoryLimitBytes: 0,
      networkRxBytes: 0,
      networkTxBytes: 0,
      blockReadBytes: 0,
      blockWriteBytes: 0,
      pids: 1,
    };
    const a = { ...base, cpuTotalNs: 1e9, systemCpuNs: 100e9, onlineCpus: 2 };
    // 1.5 s of container CPU while the host's 2 CPUs ran 2 × 1 s = 2 s: 75 % of the host = 150 % of one core.
    const b = { ...base, cpuTotalNs: 2.5e9, systemCpuNs: 102e9, onlineCpus: 2 };
    assert.equal(cpuPercent(a, b), 150);
    assert.equal(cpuPercent(b, a), null);
    assert.equal(counterDelta(100, 150), 50);
    assert.equal(counterDelta(150, 20), 20);
  });

  it('memory is usage minus inactive file cache (cgroup v1 and v2), and networks and block I/O add up', () => {
    const v1 = { usage: 300e6, limit: 1e9, stats: { total_inactive_file: 100e6, inactive_file: 1 } };
    assert.equal(workingSetBytes(v1 as never), 200e6);
    assert.equal(workingSetBytes({ usage: 300e6, limit: 1e9, stats: { inactive_file: 50e6 } } as never), 250e6);
    const raw = {
      read: '2026-12-02T08:00:00Z',
      cpu_stats: { cpu_usage: { total_usage: 5e9 }, system_cpu_usage: 1e12, online_cpus: 2 },
      memory_stats: v1,
      networks: { eth0: { rx_bytes: 10, tx_bytes: 20 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
      blkio_stats: {
        io_service_bytes_recursive: [
          { op: 'Read', value: 4096 },
          { op: 'Write', value: 8192 },
          { op: 'read', value: 4096 },
          { op: 'Total', value: 1 },
        ],
      },
      pids_stats: { current: 3 },
    } as unknown as RawContainerStats;
    assert.deepEqual(toContainerStats(raw), {
      readAt: Date.parse('2026-12-02T08:00:00Z'),
      cpuTotalNs: 5e9,
      systemCpuNs: 1e12,
      onlineCpus: 2,
      memoryBytes: 200e6,
      memoryLimitBytes: 1e9,
      networkRxBytes: 11,
      networkTxBytes: 22,
      blockReadBytes: 8192,
      blockWriteBytes: 8192,
      pids: 3,
    });
  });

  it('folds the engine disk usage into bytes per service', () => {
    const folded = foldDiskUsage({
      Containers: [
        { Labels: { 'berth.service': 'svc_a' }, SizeRw: 100 },
        { Labels: {}, SizeRw: 5 },
        { Labels: { 'berth.service': 'svc_a' }, SizeRw: -1 },
      ],
      Volumes: [
        { Labels: { 'berth.service': 'svc_a' }, UsageData: { Size: 1000 } },
        { Labels: { 'berth.service': 'svc_b' }, UsageData: { Size: 7 } },
      ],
    });
    assert.deepEqual(folded.bytesByService, { svc_a: 1100, svc_b: 7 });
  });

  it('writes Prometheus text with HELP/TYPE and escaped labels', () => {
    const container: LiveContainer = {
      containerId: 'c1',
      name: 'berth-shop-web-1',
      service: { serviceId: 'svc_1', serviceName: 'web', kind: 'app', projectId: 'prj_1', projectName: 'sh"o\\p' },
      stats: {
        readAt: 0,
        cpuTotalNs: 2.5e9,
        systemCpuNs: 0,
        onlineCpus: 2,
        memoryBytes: 1234,
        memoryLimitBytes: 5000,
        networkRxBytes: 7,
        networkTxBytes: 8,
        blockReadBytes: 0,
        blockWriteBytes: 0,
        pids: 1,
      },
      cpuPercent: 42,
      restartCount: 3,
    };
    const text = prometheusText([container], undefined);
    const labels =
      'project="sh\\"o\\\\p",project_id="prj_1",service="web",service_id="svc_1",kind="app",container="berth-shop-web-1"';
    assert.ok(
      text.includes(
        `# TYPE berth_container_cpu_seconds_total counter\nberth_container_cpu_seconds_total{${labels}} 2.5\n`,
      ),
      text,
    );
    assert.ok(text.includes(`berth_container_cpu_ratio{${labels}} 0.42\n`));
    assert.ok(text.includes(`berth_container_memory_bytes{${labels}} 1234\n`));
    assert.ok(text.includes(`berth_container_restarts_total{${labels}} 3\n`));
    assert.ok(text.endsWith('\n'));
  });
});
