/** Autoscaling policies and decisions (issue 16): the shapes the feature, its ports and the API share. */

export type AutoscaleMetric = 'requests' | 'cpu';

export interface AutoscalePolicy {
  serviceId: string;
  enabled: boolean;
  minReplicas: number;
  maxReplicas: number;
  /** requests: requests per second per replica; cpu: % of one CPU core per replica. */
  metric: AutoscaleMetric;
  target: number;
  cooldownSeconds: number;
  /** When the autoscaler last changed the replica count. */
  lastScaledAt: string | null;
  /** What it last decided, in words (shown in the panel). */
  lastDecision: string | null;
  updatedAt: string;
}

export type AutoscaleDecision = { kind: 'scale'; replicas: number; reason: string } | { kind: 'hold'; reason: string };

/** What the autoscaler reads (the composition root answers from the proxy's traffic and the metrics store). */
export interface AutoscaleSignals {
  /** The service's requests per second over the window (all replicas); null: too little data. */
  requestsPerSecond(serviceId: string, windowMs: number): Promise<number | null>;
  /** The service's CPU use over the window, in % of one core summed over its replicas; null: too little data. */
  cpuPercent(serviceId: string, windowMs: number): Promise<number | null>;
}

/** What the autoscaler changes (the composition root acts through the deploy pipeline). */
export interface AutoscaleActuator {
  /** The replica count the service runs now; undefined when it has no active deployment. */
  currentReplicas(serviceId: string): Promise<number | undefined>;
  /** Why the service cannot be scaled now, in words (a deploy running, berth.json owning replicas…). */
  blocker(serviceId: string): Promise<string | undefined>;
  /** Runs the active release with this many replicas (zero-downtime, no build). */
  scaleTo(serviceId: string, replicas: number, reason: string): Promise<void>;
}
