/** JSON API for custom domains and their certificates (Bearer token auth). */
import type { FastifyInstance } from 'fastify';
import { toDomainView } from '../../../domains/domain-view.js';
import type { AddDomainInput } from '../../../domains/domains.service.js';
import { AppError } from '../../../errors.js';
import type { DomainsFeature } from '../../../domains/domains-feature.js';
import type { AppContext } from '../../context.js';
import { addDomainBody } from './domain-schemas.js';
import { idParams } from './project-schemas.js';
import { bearerSecurity, errorResponses } from './schemas.js';
import { can } from '../../route-access.js';

const tags = ['domains'];

export function httpsOf(ctx: AppContext): DomainsFeature {
  if (!ctx.https) throw new AppError('NOT_FOUND', 'Domains are not available in this Berth.');
  return ctx.https;
}

export async function domainsApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const domainList = { type: 'array', items: { $ref: 'Domain#' } } as const;

  app.get<{ Params: { id: string } }>(
    '/services/:id/domains',
    {
      config: can('project.read', 'service'),
      schema: {
        tags,
        summary: "A service's domains with their certificate status",
        security: bearerSecurity,
        params: idParams,
        response: { 200: domainList, ...errorResponses },
      },
    },
    async (request) => {
      const https = httpsOf(ctx);
      const domains = await https.domains.list(request.params.id);
      return Promise.all(domains.map((d) => toDomainView(https, d)));
    },
  );

  app.post<{ Params: { id: string }; Body: AddDomainInput }>(
    '/services/:id/domains',
    {
      config: can('project.deploy', 'service'),
      schema: {
        tags,
        summary: 'Add a domain to a service; its certificate is ordered at once',
        description:
          'The name is normalised (lowercase, punycode, no trailing dot). 400 for a name Berth cannot serve (IP, localhost, bad label), 409 HOSTNAME_TAKEN when another service or the panel has it. With redirectTwin the www/apex twin is added too and redirects here. Returns the domains created, this one first.',
        security: bearerSecurity,
        params: idParams,
        body: addDomainBody,
        response: { 201: domainList, ...errorResponses },
      },
    },
    async (request, reply) => {
      const https = httpsOf(ctx);
      const added = await https.domains.add(request.params.id, request.body);
      request.log.info({ serviceId: request.params.id, hostnames: added.map((d) => d.hostname) }, 'domain added');
      return reply.status(201).send(await Promise.all(added.map((d) => toDomainView(https, d))));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/domains/:id',
    {
      config: can('project.read', 'domain'),
      schema: {
        tags,
        summary: 'A domain with its certificate: issuer, expiry, last error and next retry',
        security: bearerSecurity,
        params: idParams,
        response: { 200: { $ref: 'Domain#' }, ...errorResponses },
      },
    },
    async (request) => toDomainView(httpsOf(ctx), await httpsOf(ctx).domains.get(request.params.id)),
  );

  app.get<{ Params: { id: string } }>(
    '/domains/:id/dns',
    {
      config: can('project.read', 'domain'),
      schema: {
        tags,
        summary: "Does the domain resolve to this server's public addresses?",
        security: bearerSecurity,
        params: idParams,
        response: { 200: { $ref: 'DnsCheck#' }, ...errorResponses },
      },
    },
    async (request) => {
      const https = httpsOf(ctx);
      return https.checkDns((await https.domains.get(request.params.id)).hostname);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/domains/:id/renew',
    {
      config: can('project.deploy', 'domain'),
      schema: {
        tags,
        summary: 'Order a new certificate now (skips the wait of a scheduled retry)',
        security: bearerSecurity,
        params: idParams,
        response: { 202: { $ref: 'Domain#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const https = httpsOf(ctx);
      const domain = await https.domains.get(request.params.id);
      await https.certificates.renewNow(domain.hostname);
      return reply.status(202).send(await toDomainView(https, domain));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/domains/:id',
    {
      config: can('project.deploy', 'domain'),
      schema: {
        tags,
        summary: 'Remove a domain (and a www/apex twin redirecting to it); it stops routing at once',
        security: bearerSecurity,
        params: idParams,
        response: { 204: { type: 'null', description: 'Removed' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const removed = await httpsOf(ctx).domains.remove(request.params.id);
      request.log.info({ hostnames: removed }, 'domain removed');
      return reply.status(204).send();
    },
  );
}
