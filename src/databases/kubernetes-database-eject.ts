/**
 * A project's managed databases as Kubernetes manifests, for "eject" (src/deploys/kubernetes-eject.ts):
 * per database its credentials Secret, headless and ClusterIP Services and StatefulSet, built by the
 * scheduler's own pure builders (src/workloads/kubernetes-database-spec.ts) with one replica. The claim
 * comes from the StatefulSet's claim template and asks the target cluster's default StorageClass; Berth's
 * hostPath PersistentVolume (single-node clusters) is not exported. Passwords are never exported, as
 * variable values of apps are not: the Secret keeps the user and database names, its password keys are
 * empty (the images refuse to start without one) and a file that would hold a password (Redis' config)
 * is replaced by a placeholder the server refuses to start with, so a forgotten step fails closed.
 */
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { KubeObject } from '../runtime/kubernetes/objects.js';
import { databaseFileKey, databaseObjects, databaseSecretName } from '../workloads/kubernetes-database-spec.js';
import { openCredentials } from './credentials.js';
import { engineContainer } from './database-container.js';
import { listDatabasesOfProject } from './databases.repository.js';

export const FILE_PLACEHOLDER =
  '# Exported by Berth without the password this file holds: replace this content before applying.\n' +
  'berth-fill-in-this-file-before-applying\n';

export interface EjectedDatabases {
  objects: KubeObject[];
  /** `<name> (<engine>): Secret <secret name>`, for the file's header. */
  descriptions: string[];
}

export async function ejectedDatabases(
  deps: { db: Db; secretBox: Pick<SecretBox, 'decrypt'>; config: Pick<Config, 'kubernetesStorage'> },
  projectId: string,
): Promise<EjectedDatabases> {
  const objects: KubeObject[] = [];
  const descriptions: string[] = [];
  const size = deps.config.kubernetesStorage.databaseSize;
  for (const database of await listDatabasesOfProject(deps.db, projectId)) {
    const stored = await openCredentials(deps.db, deps.secretBox, database.id);
    const engine = engineContainer(database, { ...stored, password: '', rootPassword: '' });
    const files = (engine.files ?? []).map((file) => ({ ...file, content: FILE_PLACEHOLDER }));
    const workload = { ...database, imagePullPolicy: 'IfNotPresent' as const };
    const [, ...rest] = databaseObjects(workload, { ...engine, files }, { kind: 'default-class', size }, 1);
    objects.push(...rest);
    const empty = [
      ...Object.keys(engine.env).filter((key) => engine.env[key] === ''),
      ...files.map((_, i) => databaseFileKey(i)),
    ];
    descriptions.push(
      `${database.name} (${database.engine}): Secret ${databaseSecretName(database.id)}, fill ${empty.join(', ')}`,
    );
  }
  return { objects, descriptions };
}
