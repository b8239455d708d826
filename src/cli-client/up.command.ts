/**
 * `berth up`: uploads the linked directory (what upload-files.ts lets through) as a gzipped tar to
 * POST /api/v1/services/:id/uploads, follows the build and deploy, prints the URL. Exit 0 when the
 * deployment went live, 1 when it did not.
 */
import { AppError } from '../errors.js';
import { parseCommand } from './arguments.js';
import { connectLinked, type ClientContext } from './client-context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { followDeployment, reportEnd, type DeploymentView } from './follow-deployment.js';
import { listUploadFiles, packUpload } from './upload-files.js';

export async function upCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  const { values } = parseCommand('up', args, { detach: { type: 'boolean' } });
  const { api, link, root } = await connectLinked(ctx);
  const { files, skipped } = await listUploadFiles(root);
  for (const s of skipped) ctx.out.warn(`left out ${s.path}: ${s.reason}`);
  if (files.length === 0) throw new AppError('BAD_REQUEST', `Nothing to upload in ${root} (everything is ignored).`);
  ctx.out.say(`Uploading ${files.length} files from ${root} to ${link.project}/${link.service}…`);
  ctx.out.progress('[uploading]');
  const deployment = await api.upload<DeploymentView>(
    `/services/${link.serviceId}/uploads`,
    'application/gzip',
    packUpload(root, files),
  );
  ctx.out.progress(undefined);
  ctx.out.say(`Deployment ${deployment.id} queued.`);
  if (values.detach) {
    ctx.out.json({ deployment, url: deployment.url ?? null });
    return EXIT.ok;
  }
  const ended = await followDeployment(api, ctx.out, deployment);
  return reportEnd(ctx.out, ended) ? EXIT.ok : EXIT.failure;
}
