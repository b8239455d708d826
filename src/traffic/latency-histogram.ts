/**
 * A fixed log-scale latency histogram: four buckets per doubling from 1 µs up to about 3 minutes, so a
 * percentile read back from it is within ±9 % of the true value at any scale, and merging two windows is
 * adding counts. Counting is one Math.log2 and an array increment: no allocation on the hot path.
 */

/** Buckets per doubling of the latency. */
const PER_OCTAVE = 4;
/** 2^27.5 µs ≈ 190 s: slower requests all land in the last bucket. */
export const BUCKET_COUNT = 110;

/** The bucket a latency (in ms) falls in. */
export function bucketOf(ms: number): number {
  const us = ms * 1000;
  if (!(us > 1)) return 0;
  const index = Math.floor(Math.log2(us) * PER_OCTAVE);
  return index < BUCKET_COUNT ? index : BUCKET_COUNT - 1;
}

/** A bucket's representative value in ms: the geometric middle of its bounds. */
export function bucketValueMs(index: number): number {
  return 2 ** ((index + 0.5) / PER_OCTAVE) / 1000;
}

/**
 * The latency below which `quantile` (0..1) of the counted requests fall; null when nothing was counted.
 * Rounded to 0.01 ms.
 */
export function percentileMs(counts: ArrayLike<number>, quantile: number): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(total * quantile));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return Math.round(bucketValueMs(i) * 100) / 100;
  }
  return Math.round(bucketValueMs(counts.length - 1) * 100) / 100;
}

/** Stored form: only the buckets that counted something, `{"<index>": count}`. */
export function encodeHistogram(counts: ArrayLike<number>): string {
  const sparse: Record<string, number> = {};
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) sparse[i] = counts[i]!;
  return JSON.stringify(sparse);
}

/** Adds a stored histogram into `into` (ignores anything that is not a valid bucket). */
export function addEncodedHistogram(into: Float64Array, encoded: string): void {
  const sparse = JSON.parse(encoded) as Record<string, unknown>;
  for (const [key, value] of Object.entries(sparse)) {
    const index = Number(key);
    if (Number.isInteger(index) && index >= 0 && index < into.length && typeof value === 'number') {
      into[index]! += value;
    }
  }
}
