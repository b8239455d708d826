/**
 * The Domains tab of the service page (`/services/:id/domains`) and its htmx partials: the list (fetched
 * again when the live stream says a certificate changed), add with a port, remove (with confirm), renew now
 * and the DNS check. Without JavaScript the forms still work: they answer with a redirect back to the tab.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING } from '../../../config.js';
import type { AppContext } from '../../context.js';
import { httpsOf } from '../api/domains.routes.js';
import { idParams } from '../api/project-schemas.js';
import { asFormError, formBody } from './forms.js';
import { statusOf } from '../../plugins/error-handler.js';
import { isHtmx, isPageRequest, keepUrl } from '../../htmx.js';
import { domainListData } from './domain-list-data.js';
import { renderServicePage } from './services.routes.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
type AddForm = { hostname: string; port?: string; redirectTwin?: string; hsts?: string };

export async function domainsUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const listData = (serviceId: string) => domainListData(ctx, serviceId);

  const section = async (reply: FastifyReply, serviceId: string, extra: Record<string, unknown> = {}, status = 200) =>
    reply.page('service-domains', { ...(await listData(serviceId)), ...extra }, status);

  const back = (reply: FastifyReply, serviceId: string) => reply.redirect(`/services/${serviceId}/domains`, 303);

  // The tab (a page, or the main area for the tab bar); for htmx, the section or its list alone.
  app.get<{ Params: { id: string }; Querystring: { part?: string } }>(
    '/services/:id/domains',
    { config: can('project.read', 'service'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      if (isPageRequest(request)) return renderServicePage(reply, ctx, request.params.id, { tab: 'domains' });
      if (request.query.part === 'list') return reply.page('service-domain-list', await listData(request.params.id));
      return section(reply, request.params.id);
    },
  );

  app.post<{ Params: { id: string }; Body: AddForm }>(
    '/services/:id/domains',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        params: idParams,
        body: formBody(['hostname'], ['hostname', 'port', 'redirectTwin', 'hsts']),
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const form = request.body;
      try {
        const port = form.port?.trim() ? Number(form.port.trim()) : null;
        const added = await httpsOf(ctx).domains.add(id, {
          hostname: form.hostname,
          port,
          redirectTwin: form.redirectTwin === 'on',
          hsts: form.hsts === 'on',
        });
        request.log.info({ serviceId: id, hostnames: added.map((d) => d.hostname) }, 'domain added');
        if (!isHtmx(request)) return back(reply, id);
        return section(reply, id, {
          notice: `${added.map((d) => d.hostname).join(' and ')} added. Requesting a certificate…`,
        });
      } catch (error) {
        const formError = asFormError(error);
        if (!formError) throw error;
        if (!isHtmx(request)) throw formError;
        keepUrl(reply);
        return section(reply, id, { form, error: formError.message }, statusOf(formError.code));
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/domains/:id/delete',
    {
      config: can('project.deploy', 'domain'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], []) },
    },
    async (request, reply) => {
      const https = httpsOf(ctx);
      const domain = await https.domains.get(request.params.id);
      const removed = await https.domains.remove(domain.id);
      request.log.info({ hostnames: removed }, 'domain removed');
      if (!isHtmx(request)) return back(reply, domain.serviceId);
      return section(reply, domain.serviceId, { notice: `${removed.join(' and ')} removed.` });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/domains/:id/renew',
    {
      config: can('project.deploy', 'domain'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], []) },
    },
    async (request, reply) => {
      const https = httpsOf(ctx);
      const domain = await https.domains.get(request.params.id);
      await https.certificates.renewNow(domain.hostname);
      if (!isHtmx(request)) return back(reply, domain.serviceId);
      return section(reply, domain.serviceId, { notice: `Requesting a new certificate for ${domain.hostname}…` });
    },
  );

  // The HTTPS card of the Server page: where certificates come from, and the panel's own certificate.
  app.get('/server/https', { config: can('server.admin'), schema: hidden }, async (request, reply) => {
    if (!isHtmx(request)) return reply.redirect('/server', 303);
    const https = httpsOf(ctx);
    const { config } = ctx;
    const directory =
      config.acmeDirectory === LETS_ENCRYPT_PRODUCTION
        ? "Let's Encrypt (production)"
        : config.acmeDirectory === LETS_ENCRYPT_STAGING
          ? "Let's Encrypt staging (certificates are not trusted by browsers)"
          : config.acmeDirectory;
    const panel = config.panelDomain
      ? {
          hostname: config.panelDomain,
          status: await https.certificates.status(config.panelDomain),
          isValid: https.certificates.hasValidCertificate(config.panelDomain),
        }
      : undefined;
    return reply.page('server-https', {
      directory,
      email: config.acmeEmail ?? null,
      httpPort: config.httpPort,
      httpsPort: config.httpsPort,
      isListening: https.httpsPort() !== undefined,
      panel,
    });
  });

  app.get<{ Params: { id: string } }>(
    '/domains/:id/dns-check',
    { config: can('project.read', 'domain'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      const https = httpsOf(ctx);
      const domain = await https.domains.get(request.params.id);
      if (!isHtmx(request)) return back(reply, domain.serviceId);
      return reply.page('domain-dns-check', { domain, check: await https.checkDns(domain.hostname) });
    },
  );
}
