/** What the Domains tab shows: each domain with its certificate in words, and whether one is on its way. */
import { toDomainView } from '../../../domains/domain-view.js';
import type { AppContext } from '../../context.js';
import { httpsOf } from '../api/domains.routes.js';

export async function domainListData(ctx: AppContext, serviceId: string) {
  const https = httpsOf(ctx);
  const domains = await Promise.all((await https.domains.list(serviceId)).map((d) => toDomainView(https, d)));
  const isBusy = domains.some((d) => d.certificate.ordering || d.certificate.serving !== 'issued');
  return { serviceId, domains, isBusy };
}
