/** Allow-list for an autoscaling policy as the API and panel send it; every problem is named by field. */
import { AppError } from '../errors.js';
import type { AutoscaleMetric } from './autoscale.types.js';

export const AUTOSCALE_LIMITS = {
  replicas: [1, 10],
  requests: [1, 100_000],
  cpu: [5, 400],
  cooldownSeconds: [10, 3600],
} as const;

export const DEFAULT_COOLDOWN_SECONDS = 300;

export interface PolicyInput {
  enabled: boolean;
  minReplicas: number;
  maxReplicas: number;
  metric: AutoscaleMetric;
  target: number;
  cooldownSeconds: number;
}

const KEYS = new Set(['enabled', 'minReplicas', 'maxReplicas', 'metric', 'target', 'cooldownSeconds']);

function integer(
  problems: Record<string, string>,
  field: string,
  value: unknown,
  [min, max]: readonly [number, number],
) {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  problems[field] = `must be a whole number from ${min} to ${max}`;
  return min;
}

export function checkPolicyInput(raw: unknown): PolicyInput {
  const body = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const problems: Record<string, string> = {};
  for (const key of Object.keys(body)) if (!KEYS.has(key)) problems[key] = 'is not a policy field';
  const enabled = body.enabled === undefined ? true : body.enabled;
  if (typeof enabled !== 'boolean') problems.enabled = 'must be true or false';
  const minReplicas = integer(problems, 'minReplicas', body.minReplicas, AUTOSCALE_LIMITS.replicas);
  const maxReplicas = integer(problems, 'maxReplicas', body.maxReplicas, AUTOSCALE_LIMITS.replicas);
  if (!problems.minReplicas && !problems.maxReplicas && maxReplicas < minReplicas)
    problems.maxReplicas = 'must be at least minReplicas';
  const metric = body.metric;
  if (metric !== 'requests' && metric !== 'cpu') problems.metric = 'must be "requests" or "cpu"';
  const target = integer(
    problems,
    'target',
    body.target,
    metric === 'cpu' ? AUTOSCALE_LIMITS.cpu : AUTOSCALE_LIMITS.requests,
  );
  const cooldownSeconds =
    body.cooldownSeconds === undefined
      ? DEFAULT_COOLDOWN_SECONDS
      : integer(problems, 'cooldownSeconds', body.cooldownSeconds, AUTOSCALE_LIMITS.cooldownSeconds);
  if (Object.keys(problems).length > 0) {
    const list = Object.entries(problems).map(([field, problem]) => `${field} ${problem}`);
    throw new AppError('VALIDATION_FAILED', `The autoscaling policy is not valid: ${list.join('; ')}.`, {
      details: problems,
    });
  }
  return {
    enabled: enabled as boolean,
    minReplicas,
    maxReplicas,
    metric: metric as AutoscaleMetric,
    target,
    cooldownSeconds,
  };
}
