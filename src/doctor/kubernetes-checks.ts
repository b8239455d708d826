/**
 * `berth doctor` on a cluster (BERTH_SCHEDULER=kubernetes or BERTH_KUBECONFIG set): whether the API answers
 * with these credentials, whether the nodes are Ready, whether the credentials may do what Berth does
 * (asked of the API's own authorizer, nothing is tried), and where database volumes come from: the
 * default storage class, or hostPath directories when BERTH_KUBERNETES_HOSTPATH_DIR is set. One verdict per question, in words; the first failure to reach the API ends the list.
 */
import { isAppError } from '../errors.js';
import type { AccessQuestion, KubernetesClient } from '../runtime/kubernetes/client.js';
import type { Verdict } from './checks.js';

/** What Berth's scheduler does on a cluster, as access questions (kubernetes-scheduler and eject). */
export const NEEDED_ACCESS: readonly (AccessQuestion & { words: string })[] = [
  { verb: 'create', resource: 'namespaces', words: 'create namespaces' },
  { verb: 'delete', resource: 'namespaces', words: 'delete namespaces' },
  { verb: 'patch', resource: 'deployments', group: 'apps', words: 'apply deployments' },
  { verb: 'deletecollection', resource: 'deployments', group: 'apps', words: 'delete deployments' },
  { verb: 'patch', resource: 'services', words: 'apply services' },
  { verb: 'patch', resource: 'secrets', words: 'apply secrets' },
  { verb: 'get', resource: 'endpoints', words: 'read endpoints' },
  { verb: 'list', resource: 'pods', words: 'list pods' },
  { verb: 'get', resource: 'pods', subresource: 'log', words: 'read pod logs' },
  { verb: 'patch', resource: 'statefulsets', group: 'apps', words: 'apply statefulsets (databases)' },
  { verb: 'create', resource: 'pods', subresource: 'exec', words: 'exec in pods (database backups)' },
  { verb: 'patch', resource: 'persistentvolumes', words: 'apply persistent volumes (hostPath database volumes)' },
];

/** `hostPathDir`: BERTH_KUBERNETES_HOSTPATH_DIR, which databases use instead of a storage class. */
export async function checkKubernetes(
  client: KubernetesClient,
  storage: { hostPathDir?: string } = {},
): Promise<Verdict[]> {
  let version: string;
  try {
    version = await client.version();
  } catch (error) {
    return [{ status: 'fail', message: `the Kubernetes API cannot be used: ${messageOf(error)}` }];
  }
  const verdicts: Verdict[] = [{ status: 'ok', message: `the Kubernetes API answers (${version})` }];
  verdicts.push(await checkNodes(client));
  verdicts.push(await checkAccess(client));
  verdicts.push(await checkStorage(client, storage.hostPathDir));
  return verdicts;
}

async function checkNodes(client: KubernetesClient): Promise<Verdict> {
  try {
    const nodes = await client.listNodes();
    const notReady = nodes.filter((node) => !node.isReady);
    if (nodes.length === 0) return { status: 'fail', message: 'the cluster has no nodes: nothing can run' };
    if (notReady.length === nodes.length)
      return { status: 'fail', message: `no node is Ready (${describeNodes(notReady)})` };
    if (notReady.length > 0)
      return {
        status: 'warn',
        message: `${notReady.length} of ${nodes.length} nodes are not Ready (${describeNodes(notReady)})`,
      };
    return { status: 'ok', message: `${nodes.length} node${nodes.length === 1 ? '' : 's'}, all Ready` };
  } catch (error) {
    return { status: 'fail', message: `the nodes cannot be read: ${messageOf(error)}` };
  }
}

async function checkAccess(client: KubernetesClient): Promise<Verdict> {
  try {
    const missing: string[] = [];
    for (const { words, ...question } of NEEDED_ACCESS) {
      if (!(await client.canI(question))) missing.push(words);
    }
    if (missing.length > 0)
      return { status: 'fail', message: `the credentials may not ${missing.join(', ')} (Berth needs to)` };
    return { status: 'ok', message: 'the credentials may do everything Berth does on the cluster' };
  } catch (error) {
    return { status: 'fail', message: `the permissions cannot be checked: ${messageOf(error)}` };
  }
}

async function checkStorage(client: KubernetesClient, hostPathDir: string | undefined): Promise<Verdict> {
  try {
    const classes = await client.listStorageClasses();
    const preferred = classes.find((sc) => sc.isDefault);
    if (hostPathDir)
      return {
        status: 'ok',
        message: `database volumes: hostPath directories under ${hostPathDir} (BERTH_KUBERNETES_HOSTPATH_DIR; right for a single-node cluster whose node is this machine only)${preferred ? `; the default storage class ${preferred.name} is not used` : ''}`,
      };
    if (preferred)
      return { status: 'ok', message: `default storage class: ${preferred.name} (${preferred.provisioner})` };
    if (classes.length > 0)
      return {
        status: 'warn',
        message: `no default storage class (there are: ${classes.map((sc) => sc.name).join(', ')}); mark one default for database volumes`,
      };
    return {
      status: 'warn',
      message:
        'no storage class: databases on the cluster need one for their volumes, or BERTH_KUBERNETES_HOSTPATH_DIR on a single-node cluster (apps run without)',
    };
  } catch (error) {
    return { status: 'fail', message: `the storage classes cannot be read: ${messageOf(error)}` };
  }
}

function describeNodes(nodes: readonly { name: string; reason: string | undefined }[]): string {
  return nodes.map((node) => `${node.name}: ${node.reason ?? 'no Ready condition'}`).join('; ');
}

function messageOf(error: unknown): string {
  return isAppError(error) || error instanceof Error ? error.message : String(error);
}
