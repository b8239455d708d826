/**
 * The accounting benchmark's verdict: a budget is called met or missed only when every paired round (the
 * distribution-free interval of the median) is on one side of it; noisier rounds say so instead of
 * printing a verdict the noise could have flipped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { throughputVerdict } from '../../bench/lib/accounting-cost.js';

describe('accounting benchmark verdict', () => {
  it('is within when every round costs less than the budget', () => {
    assert.match(throughputVerdict([-1, 0.5, -2.5, 1, 0]), /^within \(94 % interval of the cost -1.0 … 2.5 %\)/);
  });

  it('is over when every round costs more than the budget', () => {
    assert.match(throughputVerdict([-4, -6, -5, -9, -3.5, -7, -5]), /^OVER \(98 % interval/);
  });

  it('is not settled when the rounds straddle the budget', () => {
    const verdict = throughputVerdict([-38, 9, -12, 2, -11]);
    assert.match(verdict, /^not settled by throughput/);
    assert.match(verdict, /-9.0 … 38.0 %/);
  });
});
