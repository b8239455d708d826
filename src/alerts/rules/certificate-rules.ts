/**
 * Rules over certificates: the one served for a hostname (read from data/certs, where the TLS feature
 * keeps it) expires in under `threshold` days, or ordering/renewing one keeps failing (the TLS feature
 * records failures; a success resets them). The panel's own domain is server-wide.
 */
import { listAllDomains } from '../../domains/domains.repository.js';
import { CertificateFiles, certificateInfo } from '../../tls/certificate-files.js';
import { listCertificates } from '../../tls/certificates.repository.js';
import type { Finding } from '../alert.types.js';
import type { RuleCheck, RuleContext } from './rule-context.js';
import { serviceNames } from './subjects.js';

const DAY_MS = 86_400_000;

/** Every hostname with a certificate, and the project it belongs to (null for the panel's domain). */
async function hostnames(ctx: RuleContext): Promise<Map<string, string | null>> {
  const names = await serviceNames(ctx.db);
  const hosts = new Map<string, string | null>();
  for (const domain of await listAllDomains(ctx.db)) {
    hosts.set(domain.hostname, names.get(domain.serviceId)?.projectId ?? null);
  }
  if (ctx.panelDomain) hosts.set(ctx.panelDomain, null);
  return hosts;
}

export const certificateExpiring: RuleCheck = async (ctx, rule) => {
  const days = rule.threshold ?? 14;
  const files = new CertificateFiles(ctx.certsDir);
  const findings: Finding[] = [];
  for (const [hostname, projectId] of await hostnames(ctx)) {
    const pair = await files.read(hostname);
    if (!pair) continue;
    let notAfter: Date;
    try {
      notAfter = certificateInfo(pair.certPem).notAfter;
    } catch {
      continue; // an unreadable file is the TLS feature's to report; it serves none
    }
    const left = notAfter.getTime() - ctx.now();
    if (left >= days * DAY_MS) continue;
    findings.push({
      subject: `certificate:${hostname}`,
      projectId,
      title: left <= 0 ? `The certificate of ${hostname} has expired` : `The certificate of ${hostname} expires soon`,
      detail: `It is valid until ${notAfter.toISOString()} (${Math.max(0, Math.floor(left / DAY_MS))} days left; the alert threshold is ${days}).`,
    });
  }
  return findings;
};

export const certificateRenewalFailed: RuleCheck = async (ctx) => {
  const hosts = await hostnames(ctx);
  return (await listCertificates(ctx.db)).flatMap((cert) => {
    if (cert.failures === 0 || !cert.lastError || !hosts.has(cert.hostname)) return [];
    return [
      {
        subject: `certificate:${cert.hostname}`,
        projectId: hosts.get(cert.hostname) ?? null,
        title: `Ordering a certificate for ${cert.hostname} fails`,
        detail: `${cert.failures} attempt(s) failed; the last said: ${cert.lastError.split('\n')[0]!.slice(0, 300)}`,
      },
    ];
  });
};
