/**
 * "Eject": the Kubernetes manifests Berth would apply for a project, as one YAML file a team can take to
 * its own cluster (kubectl apply -f). Built by the same pure builders the Kubernetes scheduler uses
 * (src/workloads/kubernetes-spec.ts), from each app service's active deployment (its image) and current
 * settings. Variable *values* are never exported: each Secret lists the keys with empty values and the
 * header says how to fill them, so a download cannot leak a password. Services without an active
 * deployment have no image yet and are listed in the header as skipped. Databases come with their
 * StatefulSet, Services and credentials Secret, passwords left out (src/databases/kubernetes-database-eject.ts).
 * When apps' images are in Berth's registry and it wants credentials, the pull Secret comes too, its
 * password left out the same way, and the apps' pods name it.
 */
import { ejectedDatabases } from '../databases/kubernetes-database-eject.js';
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
import { REGISTRY_PULL_SECRET, registryPullSecretObject } from '../workloads/kubernetes-pull-secret.js';
import type { DeployDeps } from './deploy-context.js';
import { findActiveDeployment } from './deployments.repository.js';
import { isInRegistry } from './kubernetes-registry.js';

export interface EjectedManifests {
  fileName: string;
  yaml: string;
}

export async function kubernetesManifests(
  deps: Pick<DeployDeps, 'db' | 'timing' | 'config' | 'secretBox'>,
  projectId: string,
  version: string,
): Promise<EjectedManifests> {
  const project = await findProjectById(deps.db, projectId);
  if (!project) throw new AppError('NOT_FOUND', 'No such project.');
  const timing = rolloutTimingOf(deps.timing);
  const objects: unknown[] = [namespaceObject({ id: project.id })];
  const included: string[] = [];
  const skipped: string[] = [];
  const registry = deps.config.imageRegistry;
  let pullSecret = false;
  for (const service of await listAppServicesOfProject(deps.db, projectId)) {
    const active = await findActiveDeployment(deps.db, service.id);
    if (!active?.image) {
      skipped.push(service.name);
      continue;
    }
    const pulls = registry?.username !== undefined && isInRegistry(registry.prefix, active.image);
    pullSecret ||= pulls;
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
      ...(pulls ? { pullSecretName: REGISTRY_PULL_SECRET } : {}),
    };
    const [, secret, deployment, clusterService] = appObjects(workload, timing);
    objects.push(secret, deployment, clusterService);
    included.push(service.name);
  }
  const databases = await ejectedDatabases(deps, project.id);
  objects.push(...databases.objects);
  const pullLines: string[] = [];
  if (pullSecret && registry?.username) {
    objects.splice(
      1,
      0,
      registryPullSecretObject(project.id, { ...registry, username: registry.username, password: '' }),
    );
    pullLines.push(
      `Registry: the pull Secret ${REGISTRY_PULL_SECRET} has no password: replace it before applying (kubectl create`,
      `secret docker-registry ${REGISTRY_PULL_SECRET} --docker-server=${registry.host} ... --dry-run=client -o yaml).`,
    );
  }
  const header = [
    `Kubernetes manifests of the Berth project "${project.name}", exported by Berth ${version}.`,
    `Apps: ${included.length ? included.join(', ') : 'none'}` +
      (skipped.length ? `; skipped (no active deployment yet): ${skipped.join(', ')}.` : '.'),
    'Variable values are not exported: each Secret lists its keys with empty values. Fill them before',
    'applying (kubectl create secret generic ... --from-env-file), or edit the data below (base64).',
    'Images are the ones this server built: push them to a registry your cluster can pull from.',
    ...pullLines,
    ...(databases.descriptions.length
      ? [
          'Databases: passwords are not exported. Fill each empty key of its credentials Secret (base64) before',
          'applying; a file key holds a placeholder the server refuses to start with (Redis: requirepass "<password>").',
          ...databases.descriptions.map((line) => `  ${line}`),
          "Each database's claim asks the cluster's default StorageClass; the hostPath PersistentVolume Berth makes",
          'on a single-node cluster is not exported (make one, or mark a StorageClass default).',
        ]
      : ['Databases: none.']),
    'Apply with: kubectl apply -f <this file>',
  ];
  return { fileName: `${project.name}-kubernetes.yaml`, yaml: toYamlStream(objects, header) };
}
