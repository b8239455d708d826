/**
 * The request accounting's cost (HTTP metrics + request log written to SQLite), from the same run: Berth
 * with accounting and the same build without it run back to back in every round (the pair's order
 * alternates), so each round gives one paired difference that machine load mostly cancels out of. The
 * table shows medians of each side and the median of the paired differences; the budget is under 3 %.
 */
import { accountingShare, measureAccountingCost } from './accounting-micro.js';
import { markdownTable, median } from './stats.js';

export const WITH_ACCOUNTING = 'berth';
export const WITHOUT_ACCOUNTING = 'berth without accounting';
export const ACCOUNTING_BUDGET_PERCENT = 3;

export interface PairCell {
  rps: number[];
  p50: number[];
  p99: number[];
  cpuPerRequest: number[];
}

/**
 * Run order within one round: the targets rotated as before, but the without-accounting twin placed
 * right next to Berth, before it in odd rounds and after it in even ones.
 */
export function orderWithPair<T extends { name: string }>(targets: readonly T[], round: number): T[] {
  const twin = targets.find((t) => t.name === WITHOUT_ACCOUNTING);
  const rest = targets.filter((t) => t !== twin);
  const shift = round % Math.max(1, rest.length);
  const rotated = [...rest.slice(shift), ...rest.slice(0, shift)];
  if (twin === undefined) return rotated;
  const at = rotated.findIndex((t) => t.name === WITH_ACCOUNTING);
  if (at < 0) return [...rotated, twin];
  rotated.splice(round % 2 === 0 ? at + 1 : at, 0, twin);
  return rotated;
}

/** (with − without) / without, in %, per round; negative = accounting slower. */
function pairedPercent(withValues: number[], withoutValues: number[]): number[] {
  const n = Math.min(withValues.length, withoutValues.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(((withValues[i]! - withoutValues[i]!) / withoutValues[i]!) * 100);
  return out;
}

/**
 * The smallest and largest of n paired rounds bound the median paired difference with confidence
 * 1 − 2·0.5^n (94 % for 5 rounds, 98 % for 7): a distribution-free interval, so no normal noise is assumed.
 * Only when that whole interval is on one side of the budget does throughput settle it; otherwise the
 * rounds' noise is wider than the budget and the in-process share (the table below) is the measure.
 */
export function throughputVerdict(roundDiffs: readonly number[]): string {
  const worstCost = -Math.min(...roundDiffs);
  const bestCost = -Math.max(...roundDiffs);
  const confidence = Math.round((1 - 2 * 0.5 ** roundDiffs.length) * 100);
  const interval = `${confidence} % interval of the cost ${bestCost.toFixed(1)} … ${worstCost.toFixed(1)} %`;
  if (worstCost < ACCOUNTING_BUDGET_PERCENT) return `within (${interval})`;
  if (bestCost >= ACCOUNTING_BUDGET_PERCENT) return `OVER (${interval})`;
  return `not settled by throughput: the ${interval} is wider than the budget (round-to-round noise); see the in-process share`;
}

function signed(value: number, digits = 1): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)} %`;
}

export interface AccountingRow {
  label: string;
  with: PairCell;
  without: PairCell;
}

/** One row per protocol and connection count that ran both twins. */
export function collectAccountingRows(
  protocols: readonly string[],
  connectionCounts: readonly number[],
  cellOf: (protocol: string, connections: number, name: string) => PairCell | undefined,
): AccountingRow[] {
  const rows: AccountingRow[] = [];
  for (const protocol of protocols) {
    for (const connections of connectionCounts) {
      const withCell = cellOf(protocol, connections, WITH_ACCOUNTING);
      const withoutCell = cellOf(protocol, connections, WITHOUT_ACCOUNTING);
      if (withCell === undefined || withoutCell === undefined) continue;
      rows.push({ label: `${protocol.toUpperCase()} @${connections}`, with: withCell, without: withoutCell });
    }
  }
  return rows;
}

/** The side-by-side table and one verdict line per row (throughput cost vs the budget). */
export function accountingReport(rows: readonly AccountingRow[]): string {
  const table: string[][] = [];
  const verdicts: string[] = [];
  for (const row of rows) {
    const rpsDiff = median(pairedPercent(row.with.rps, row.without.rps));
    const cpuDiff = median(pairedPercent(row.with.cpuPerRequest, row.without.cpuPerRequest));
    const rounds = pairedPercent(row.with.rps, row.without.rps);
    table.push([
      row.label,
      Math.round(median(row.with.rps)).toLocaleString('en-US'),
      Math.round(median(row.without.rps)).toLocaleString('en-US'),
      signed(rpsDiff),
      `${signed(Math.min(...rounds), 0)} … ${signed(Math.max(...rounds), 0)}`,
      `${median(row.with.p50).toFixed(2)} / ${median(row.without.p50).toFixed(2)}`,
      `${median(row.with.p99).toFixed(2)} / ${median(row.without.p99).toFixed(2)}`,
      `${Math.round(median(row.with.cpuPerRequest))} / ${Math.round(median(row.without.cpuPerRequest))}`,
      signed(cpuDiff),
    ]);
    // Cost = throughput lost; the CPU per request is the steadier second view on a shared machine.
    const cost = -rpsDiff;
    verdicts.push(
      `${row.label}: accounting costs ${cost.toFixed(1)} % of throughput (paired median), ` +
        `${cpuDiff.toFixed(1)} % more CPU per request; budget < ${ACCOUNTING_BUDGET_PERCENT} %: ` +
        throughputVerdict(rounds),
    );
  }
  return [
    markdownTable(
      [
        'protocol @ conns',
        'req/s with',
        'req/s without',
        'difference (paired median)',
        'paired rounds',
        'p50 ms with / without',
        'p99 ms with / without',
        'CPU µs/req with / without',
        'CPU/req difference',
      ],
      table,
    ),
    '',
    ...verdicts,
  ].join('\n');
}

/**
 * The accounting's CPU measured in-process (accounting-micro.ts), as a share of the proxy's CPU at this
 * run's measured cost per request and rate without accounting, and for a saturated proxy (one core busy) at
 * per-request costs a quiet machine shows.
 */
export async function accountingMicroReport(rows: readonly AccountingRow[]): Promise<string> {
  const cost = await measureAccountingCost();
  const lines = [
    `In-process CPU time: observe() ${cost.observeUs.toFixed(2)} µs per request; one flush of ` +
      `${cost.bufferRows} request-log rows + windows + row cap ${cost.flushMs.toFixed(1)} ms (at most once a second).`,
    '',
  ];
  const table: string[][] = [];
  for (const row of rows) {
    const rps = median(row.without.rps);
    const proxyUs = median(row.without.cpuPerRequest);
    table.push([
      `${row.label} (this run)`,
      Math.round(rps).toLocaleString('en-US'),
      String(Math.round(proxyUs)),
      pct(cost, rps, proxyUs),
    ]);
  }
  // Throughput is what the budget is about: a saturated proxy serves 1e6 / (CPU µs per request) a second.
  for (const proxyUs of [60, 90, 120]) {
    const rps = Math.round(1e6 / proxyUs);
    table.push(['saturated, assumed cost', rps.toLocaleString('en-US'), String(proxyUs), pct(cost, rps, proxyUs)]);
  }
  lines.push(markdownTable(['where', 'req/s', 'proxy CPU µs/req without', 'accounting share of CPU'], table));
  return lines.join('\n');
}

function pct(cost: Awaited<ReturnType<typeof measureAccountingCost>>, rps: number, proxyUs: number): string {
  const share = accountingShare(cost, rps, proxyUs) * 100;
  return `${share.toFixed(2)} % (${share < ACCOUNTING_BUDGET_PERCENT ? 'within' : 'OVER'} < ${ACCOUNTING_BUDGET_PERCENT} %)`;
}
