/**
 * Wires the autoscaler to what it reads and what it changes. Signals: the proxy's request counts (the
 * traffic feature's 10 s samples) and the metrics store's CPU samples, both per service over the window.
 * Actuator: the service's replica setting plus a redeploy of its active release through the deploy queue
 * (requestScaledRedeploy), so a scale is the same health-gated, zero-downtime switch as any deploy.
 */
import { Autoscaler } from '../autoscale/autoscaler.js';
import type { AutoscaleActuator, AutoscaleSignals } from '../autoscale/autoscale.types.js';
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { DeploySystem } from '../deploys/deploy-system.js';
import { ACTIVE_PHASES } from '../deploys/deployment.types.js';
import { findActiveDeployment, listDeploymentsOfService } from '../deploys/deployments.repository.js';
import { requestScaledRedeploy } from '../deploys/deploys.service.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Logger } from '../logger.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { updateAppServiceSettings } from '../projects/services.service.js';
import { configFileOfDeployment } from '../repo-config/repo-config.repository.js';
import { samplesBetween } from '../traffic/traffic.repository.js';
import { DEFAULT_TRAFFIC_OPTIONS, type TrafficFeature } from '../traffic/traffic.service.js';

const BUSY = new Set<string>(['queued', ...ACTIVE_PHASES]);

/** Less written traffic than this in the window is too little to decide on. */
const MIN_COVERAGE_MS = 5_000;

function signalsOf(db: Db, metrics: MetricsService, traffic: TrafficFeature): AutoscaleSignals {
  return {
    async requestsPerSecond(serviceId, windowMs) {
      // Samples cover [at, at + 10 s) and are written at the end of each window: the signal is what was
      // written between the window's start and the current (unwritten) window, each sample counted for
      // its overlap. A sample is written only when the service had requests: no sample is no traffic.
      const sampleMs = DEFAULT_TRAFFIC_OPTIONS.windowMs;
      const until = traffic.flushedUntil;
      const from = Date.now() - windowMs;
      if (until - from < MIN_COVERAGE_MS) return null;
      const samples = await samplesBetween(db, serviceId, '10s', from - sampleMs, until);
      const requests = samples.reduce((sum, s) => {
        const overlap = Math.min(s.at + sampleMs, until) - Math.max(s.at, from);
        return sum + (overlap > 0 ? (s.requests * overlap) / sampleMs : 0);
      }, 0);
      return requests / ((until - from) / 1000);
    },
    async cpuPercent(serviceId, windowMs) {
      const series = await metrics.series([serviceId], windowMs <= 3_600_000 ? '1h' : '24h');
      const from = series.to - windowMs / 1000;
      const points = series.points.filter((p) => p.t >= from);
      return points.length === 0 ? null : points.reduce((sum, p) => sum + p.cpuPercent, 0) / points.length;
    },
  };
}

function actuatorOf(deps: { db: Db; config: Config; secretBox: SecretBox; deploys: DeploySystem }): AutoscaleActuator {
  const { db, deploys } = deps;
  return {
    async currentReplicas(serviceId) {
      const found = await deploys.deps.catalog.findService(serviceId);
      if (!found || !(await findActiveDeployment(db, serviceId))) return undefined;
      return found.service.replicas;
    },
    async blocker(serviceId) {
      const active = await findActiveDeployment(db, serviceId);
      const file = active && (await configFileOfDeployment(db, active.id));
      if (file?.settings.replicas !== undefined)
        return `${file.path} sets replicas (${file.settings.replicas}); remove it from the file to let the autoscaler decide`;
      const volumes = (await deploys.deps.volumes?.volumesOf(serviceId)) ?? [];
      const exclusive = volumes.filter((v) => !v.shared).map((v) => v.name);
      if (exclusive.length > 0)
        return `its volume(s) ${exclusive.join(', ')} are not shared, so every change of scale would stop the app first; mark them shared to autoscale`;
      const recent = await listDeploymentsOfService(db, serviceId, 5);
      if (recent.some((d) => BUSY.has(d.status))) return 'busy: a deploy of the service is queued or running';
      return undefined;
    },
    async scaleTo(serviceId, replicas) {
      await updateAppServiceSettings({ db, config: deps.config, secretBox: deps.secretBox }, serviceId, { replicas });
      await requestScaledRedeploy(db, deploys.queue, serviceId);
    },
  };
}

export function composeAutoscaler(parts: {
  db: Db;
  config: Config;
  secretBox: SecretBox;
  logger: Logger;
  deploys: DeploySystem;
  metrics: MetricsService;
  traffic: TrafficFeature;
}): Autoscaler {
  return new Autoscaler({
    db: parts.db,
    logger: parts.logger.child({ component: 'autoscale' }),
    signals: signalsOf(parts.db, parts.metrics, parts.traffic),
    actuator: actuatorOf(parts),
    intervalMs: parts.config.autoscaleIntervalMs,
    windowMs: parts.config.autoscaleWindowMs,
  });
}
