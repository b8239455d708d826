/**
 * `berth up` over the JSON API: a gzipped tar of a directory becomes the source of one new deployment.
 * Auth and the project.deploy permission are checked in onRequest, before a byte of the body is read;
 * a declared size over the cap is refused before reading too, and a body that grows past it while
 * streaming stops there. A refusal is answered while the client may still be sending; the rest is read and
 * thrown away, bounded (the error handler's linger-after-answer.ts), so the client reads the answer instead of a reset. The body is never buffered: it is unpacked as it arrives (deploys/upload-source.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { AppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { serviceIdParams } from './deployment-schemas.js';
import { bearerSecurity, errorResponses } from './schemas.js';
import { can } from '../../route-access.js';

const ARCHIVE_TYPES = ['application/gzip', 'application/x-gzip', 'application/x-tar+gzip'];

export async function uploadsApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // Hand the body stream to the handler untouched (this scope only).
  app.addContentTypeParser(ARCHIVE_TYPES, (_request, payload, done) => done(null, payload));
  const maxBytes = ctx.config.uploadMaxBytes;

  app.post<{ Params: { id: string } }>(
    '/services/:id/uploads',
    {
      config: can('project.deploy', 'service'),
      // The cap is enforced while streaming (upload-source.ts); fastify's own limit does not apply to streams.
      bodyLimit: Number.MAX_SAFE_INTEGER,
      schema: {
        tags: ['deployments'],
        summary:
          'Deploy an uploaded directory (berth up): the body is a gzipped tar (Content-Type application/gzip); ' +
          'it is the source of this one deployment',
        description:
          'Entries must be plain files, directories or symlinks that stay inside; an absolute path, `..`, a hard ' +
          'link or a device refuses the whole archive (400) and nothing is kept. Larger than BERTH_UPLOAD_MAX_MB: 413.',
        security: bearerSecurity,
        params: serviceIdParams,
        response: { 201: { $ref: 'Deployment#' }, ...errorResponses, 413: { $ref: 'Error#' } },
      },
      preParsing: async (request) => {
        const declared = Number(request.headers['content-length'] ?? 0);
        if (declared > maxBytes) {
          throw new AppError(
            'PAYLOAD_TOO_LARGE',
            `The upload is larger than ${Math.round(maxBytes / (1024 * 1024))} MB (BERTH_UPLOAD_MAX_MB).`,
          );
        }
      },
    },
    async (request, reply) => {
      const body = request.body as Readable | undefined;
      if (!body || typeof body.pipe !== 'function')
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the archive as Content-Type: application/gzip.');
      const deployment = await ctx.deploys.deployUpload(request.params.id, request.apiCaller!.user.email, body);
      request.log.info({ serviceId: request.params.id, deploymentId: deployment.id }, 'upload deployment queued');
      return reply.status(201).send({ ...deployment, url: await ctx.deploys.urlOf(deployment.serviceId) });
    },
  );
}
