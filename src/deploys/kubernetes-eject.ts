/**
 * "Eject": the Kubernetes manifests Berth would apply for a project, as one YAML file a team can take to
 * its own cluster (kubectl apply -f). Built by the same pure builders the Kubernetes scheduler uses
 * (src/workloads/kubernetes-spec.ts), from each app service's active deployment (its image) and current
 * settings. Variable *values* are never exported: each Secret lists the keys with empty values and the
 * header says how to fill them, so a download cannot leak a password. Services without an active
 * deployment have no image yet and are listed in the header as skipped; databases are not included.
 */
import { AppError } from '../errors.js';
import { toYamlStream } from '../lib/yaml-document.js';
import { findProjectById } from '../projects/projects.repository.js';
import { DEFAULT_PORT } from '../projects/service.types.js';
import { listAppServicesOfProject } from '../projects/services.repository.js';
import { listSealedVariables } from '../projects/variables.repository.js';
import { projectNetworkName } from '../workloads/names.js';
import {
  appObjects,
  namespaceObject,
  rolloutTimingOf,
  type KubernetesAppWorkload,
} from '../workloads/kubernetes-spec.js';
import type { DeployDeps } from './deploy-context.js';
import { findActiveDeployment } from './deployments.repository.js';

export interface EjectedManifests {
  fileName: string;
  yaml: string;
}

export async function kubernetesManifests(
  deps: Pick<DeployDeps, 'db' | 'timing'>,
  projectId: string,
  version: string,
): Promise<EjectedManifests> {
  const project = await findProjectById(deps.db, projectId);
  if (!project) throw new AppError('NOT_FOUND', 'No such project.');
  const timing = rolloutTimingOf(deps.timing);
  const objects: unknown[] = [namespaceObject({ id: project.id })];
  const included: string[] = [];
  const skipped: string[] = [];
  for (const service of await listAppServicesOfProject(deps.db, projectId)) {
    const active = await findActiveDeployment(deps.db, service.id);
    if (!active?.image) {
      skipped.push(service.name);
      continue;
    }
    const keys = (await listSealedVariables(deps.db, service.id)).map((variable) => variable.key);
    const workload: KubernetesAppWorkload = {
      project: { id: project.id, name: project.name, networkName: projectNetworkName(project.id) },
      service: { id: service.id, name: service.name, resources: service.resources },
      deploymentId: active.id,
      image: active.image,
      env: Object.fromEntries(keys.map((key) => [key, ''])),
      replicas: service.replicas,
      port: service.port ?? DEFAULT_PORT,
      healthcheck: service.healthcheck,
      imagePullPolicy: 'IfNotPresent',
    };
    const [, secret, deployment, clusterService] = appObjects(workload, timing);
    objects.push(secret, deployment, clusterService);
    included.push(service.name);
  }
  const header = [
    `Kubernetes manifests of the Berth project "${project.name}", exported by Berth ${version}.`,
    `Apps: ${included.length ? included.join(', ') : 'none'}` +
      (skipped.length ? `; skipped (no active deployment yet): ${skipped.join(', ')}.` : '.'),
    'Variable values are not exported: each Secret lists its keys with empty values. Fill them before',
    'applying (kubectl create secret generic ... --from-env-file), or edit the data below (base64).',
    'Images are the ones this server built: push them to a registry your cluster can pull from.',
    'Databases are not included. Apply with: kubectl apply -f <this file>',
  ];
  return { fileName: `${project.name}-kubernetes.yaml`, yaml: toYamlStream(objects, header) };
}
