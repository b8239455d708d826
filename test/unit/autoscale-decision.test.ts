/** The autoscaler's decision (pure): the HPA formula within min..max, the 10 % tolerance and the cool-down. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideReplicas, type DecisionInput } from '../../src/autoscale/autoscale-decision.js';
import { checkPolicyInput } from '../../src/autoscale/autoscale-input.js';
import { isAppError } from '../../src/errors.js';

const policy = { minReplicas: 1, maxReplicas: 4, metric: 'requests' as const, target: 10, cooldownSeconds: 60 };
const NOW = 1_000_000_000;
const decide = (over: Partial<DecisionInput>) =>
  decideReplicas({ policy, current: 1, signal: 0, lastScaledAt: null, now: NOW, ...over });

describe('decideReplicas', () => {
  it('scales up to ceil(signal / target), never beyond the maximum', () => {
    assert.deepEqual(decide({ signal: 25 }), {
      kind: 'scale',
      replicas: 3,
      reason: '25 requests/s per replica against a target of 10 requests/s',
    });
    assert.equal((decide({ signal: 1000 }) as { replicas: number }).replicas, 4);
    assert.match(decide({ current: 4, signal: 1000 }).reason, /^at the maximum/);
  });

  it('scales down when the load falls, never below the minimum; no traffic is a signal of 0', () => {
    assert.deepEqual(decide({ current: 3, signal: 0 }), {
      kind: 'scale',
      replicas: 1,
      reason: '0.0 requests/s per replica against a target of 10 requests/s',
    });
    assert.equal((decide({ current: 4, signal: 15 }) as { replicas: number }).replicas, 2);
  });

  it('holds within 10 % of the target, and with too little data', () => {
    assert.equal(decide({ current: 2, signal: 21 }).kind, 'hold');
    assert.match(decide({ current: 2, signal: 19 }).reason, /^on target/);
    assert.deepEqual(decide({ signal: null }), { kind: 'hold', reason: 'too little data in the window yet' });
  });

  it('waits for the cool-down in both directions, and says how long is left', () => {
    const recent = NOW - 20_000;
    assert.deepEqual(decide({ signal: 40, lastScaledAt: recent }), {
      kind: 'hold',
      reason: 'cooling down (40 s left) before 1 → 4: 40 requests/s per replica against a target of 10 requests/s',
    });
    assert.equal(decide({ current: 3, signal: 0, lastScaledAt: recent }).kind, 'hold');
    assert.equal(decide({ signal: 40, lastScaledAt: NOW - 60_000 }).kind, 'scale');
  });

  it('brings a count outside min..max inside at once, cool-down or not', () => {
    const tight = { ...policy, minReplicas: 2, maxReplicas: 3 };
    assert.deepEqual(decideReplicas({ policy: tight, current: 1, signal: null, lastScaledAt: NOW, now: NOW }), {
      kind: 'scale',
      replicas: 2,
      reason: 'below the minimum of 2',
    });
    assert.equal(
      (decideReplicas({ policy: tight, current: 5, signal: 0, lastScaledAt: NOW, now: NOW }) as { replicas: number })
        .replicas,
      3,
    );
  });

  it('reads CPU in % of one core per replica', () => {
    const cpu = { ...policy, metric: 'cpu' as const, target: 50 };
    assert.deepEqual(decideReplicas({ policy: cpu, current: 2, signal: 180, lastScaledAt: null, now: NOW }), {
      kind: 'scale',
      replicas: 4,
      reason: '90 % CPU per replica against a target of 50 % CPU',
    });
  });
});

describe('checkPolicyInput', () => {
  it('fills the defaults: on, a 300 s cool-down', () => {
    assert.deepEqual(checkPolicyInput({ minReplicas: 1, maxReplicas: 2, metric: 'cpu', target: 60 }), {
      enabled: true,
      minReplicas: 1,
      maxReplicas: 2,
      metric: 'cpu',
      target: 60,
      cooldownSeconds: 300,
    });
  });

  it('names every bad field at once, and refuses fields it does not know', () => {
    assert.throws(
      () =>
        checkPolicyInput({
          minReplicas: 0,
          maxReplicas: 11,
          metric: 'memory',
          target: 1.5,
          cooldownSeconds: 5,
          enabled: 'yes',
          image: 'x',
        }),
      (error) =>
        isAppError(error) &&
        error.code === 'VALIDATION_FAILED' &&
        JSON.stringify(Object.keys(error.details ?? {}).sort()) ===
          JSON.stringify(['cooldownSeconds', 'enabled', 'image', 'maxReplicas', 'metric', 'minReplicas', 'target']),
    );
    assert.throws(
      () => checkPolicyInput({ minReplicas: 3, maxReplicas: 2, metric: 'requests', target: 5 }),
      /maxReplicas must be at least minReplicas/,
    );
    assert.throws(() => checkPolicyInput(null), /minReplicas must be a whole number/);
  });
});
