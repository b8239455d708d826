/** `berth doctor`: runs every check and prints one line each; returns false when any check fails. */
import type { Config } from '../config.js';
import { checkDataDir, checkDocker, checkNode, checkPort, isDaemonRunning, type Verdict } from './checks.js';
import { checkKubernetes } from './kubernetes-checks.js';

const MARK: Record<Verdict['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export async function runDoctor(config: Config, print: (line: string) => void): Promise<boolean> {
  const isRunning = isDaemonRunning(config);
  const verdicts: Verdict[] = [
    checkNode(),
    checkDataDir(config),
    {
      status: 'ok',
      message: isRunning
        ? `a Berth daemon is running on ${config.dataDir}`
        : 'no Berth daemon is running on this data dir',
    },
    await checkDocker(config),
    // Only the panel port is Berth's while the proxy (next releases) is not yet listening on 80/443.
    await checkPort('panel', 'BERTH_PANEL_PORT', config.panelPort, isRunning),
    await checkPort('HTTP', 'BERTH_HTTP_PORT', config.httpPort, false),
    await checkPort('HTTPS', 'BERTH_HTTPS_PORT', config.httpsPort, false),
    ...(await clusterVerdicts(config)),
  ];
  for (const v of verdicts) print(`[${MARK[v.status]}] ${v.message}`);
  const failures = verdicts.filter((v) => v.status === 'fail').length;
  print(
    failures === 0
      ? 'Everything Berth needs is in place.'
      : `${failures} problem(s) found; fix them and run \`berth doctor\` again.`,
  );
  return failures === 0;
}

/** The cluster's checks when Berth is pointed at one (the scheduler setting or a kubeconfig). */
async function clusterVerdicts(config: Config): Promise<Verdict[]> {
  if (config.scheduler !== 'kubernetes' && config.kubernetes.kubeconfig === undefined) return [];
  try {
    // Loaded here, not with the CLI: the client library is large and only this check needs it.
    const { createKubernetesClient } = await import('../runtime/kubernetes/client.js');
    return await checkKubernetes(createKubernetesClient(config.kubernetes.kubeconfig), {
      hostPathDir: config.kubernetesStorage.hostPathDir,
    });
  } catch (error) {
    // The credentials themselves could not be read.
    return [{ status: 'fail', message: error instanceof Error ? error.message : String(error) }];
  }
}
