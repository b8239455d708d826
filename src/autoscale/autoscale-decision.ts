/**
 * The autoscaler's decision, pure: how many replicas the service should run given the signal over the
 * window. Like Kubernetes' HorizontalPodAutoscaler: wanted = ceil(total signal / target per replica),
 * within min and max; no change while the per-replica signal is within 10 % of the target (no flapping
 * around it), and no change within the cool-down after the last one, in either direction. A replica count
 * outside min..max (the policy was just changed) is brought inside at once.
 */
import type { AutoscaleDecision, AutoscaleMetric } from './autoscale.types.js';

export const TOLERANCE = 0.1;

export interface DecisionInput {
  policy: {
    minReplicas: number;
    maxReplicas: number;
    metric: AutoscaleMetric;
    target: number;
    cooldownSeconds: number;
  };
  current: number;
  /** The service-wide signal (requests/s, or CPU % of one core summed over replicas); null: too little data. */
  signal: number | null;
  lastScaledAt: number | null;
  now: number;
}

const UNIT: Record<AutoscaleMetric, string> = { requests: 'requests/s', cpu: '% CPU' };

function words(metric: AutoscaleMetric, value: number): string {
  return `${value.toFixed(value >= 10 ? 0 : 1)} ${UNIT[metric]}`;
}

export function decideReplicas(input: DecisionInput): AutoscaleDecision {
  const { policy, current, signal, lastScaledAt, now } = input;
  if (current < policy.minReplicas)
    return { kind: 'scale', replicas: policy.minReplicas, reason: `below the minimum of ${policy.minReplicas}` };
  if (current > policy.maxReplicas)
    return { kind: 'scale', replicas: policy.maxReplicas, reason: `above the maximum of ${policy.maxReplicas}` };
  if (signal === null) return { kind: 'hold', reason: 'too little data in the window yet' };
  const perReplica = signal / current;
  const observed = `${words(policy.metric, perReplica)} per replica against a target of ${words(policy.metric, policy.target)}`;
  if (Math.abs(perReplica / policy.target - 1) <= TOLERANCE) return { kind: 'hold', reason: `on target: ${observed}` };
  const wanted = Math.min(policy.maxReplicas, Math.max(policy.minReplicas, Math.ceil(signal / policy.target)));
  if (wanted === current) {
    const bound = wanted === policy.maxReplicas && perReplica > policy.target ? 'at the maximum' : 'within range';
    return { kind: 'hold', reason: `${bound}: ${observed}` };
  }
  const cooldownMs = policy.cooldownSeconds * 1000;
  if (lastScaledAt !== null && now - lastScaledAt < cooldownMs) {
    const left = Math.ceil((cooldownMs - (now - lastScaledAt)) / 1000);
    return { kind: 'hold', reason: `cooling down (${left} s left) before ${current} → ${wanted}: ${observed}` };
  }
  return { kind: 'scale', replicas: wanted, reason: observed };
}
