/** A domain as the API and the panel show it: its settings plus its certificate's state in words. */
import type { CertificateStatus } from '../tls/certificate-manager.js';
import type { Domain } from './domains.repository.js';
import type { DomainsFeature } from './domains-feature.js';

export interface DomainView extends Omit<Domain, 'serviceId'> {
  serviceId: string;
  url: string;
  certificate: Omit<CertificateStatus, 'hostname'> & {
    /** What HTTPS serves for this name right now. */
    serving: 'issued' | 'self-signed';
    summary: string;
  };
}

export async function toDomainView(
  https: Pick<DomainsFeature, 'certificates' | 'httpsPortSuffix' | 'httpPortSuffix'>,
  domain: Domain,
): Promise<DomainView> {
  const { hostname: _hostname, ...status } = await https.certificates.status(domain.hostname);
  const isValid = https.certificates.hasValidCertificate(domain.hostname);
  const port = https.httpsPortSuffix();
  return {
    ...domain,
    url: `${isValid ? `https://${domain.hostname}${port}` : `http://${domain.hostname}${https.httpPortSuffix()}`}/`,
    certificate: { ...status, serving: isValid ? 'issued' : 'self-signed', summary: summaryOf(status, isValid) },
  };
}

function summaryOf(status: Omit<CertificateStatus, 'hostname'>, isValid: boolean): string {
  if (isValid && status.lastError) return `Issued; renewal failing: ${status.lastError}`;
  if (isValid) return `Issued by ${status.issuer ?? 'the CA'}, valid until ${status.notAfter ?? '?'}.`;
  if (status.lastError) return `Not issued: ${status.lastError} HTTPS serves a self-signed certificate meanwhile.`;
  return 'Requesting a certificate… HTTPS serves a self-signed certificate until it is issued.';
}
