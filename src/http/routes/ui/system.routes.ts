/**
 * The System page: running version, whether a newer one is out, the last upgrade's outcome (and why it
 * rolled back), an upgrade button, and the encrypted panel backup as a download. Admins only.
 */
import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { checkPassphrase } from '../../../backup/archive-crypto.js';
import { createPanelBackup } from '../../../backup/panel-backup.js';
import { AppError, isAppError } from '../../../errors.js';
import { newId } from '../../../lib/ids.js';
import { ReleaseChecker } from '../../../upgrade/release-check.js';
import { isUpgradeInProgress, readUpgradeStatus } from '../../../upgrade/upgrade-status.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;

export async function systemUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // Server admins only: every route here declares server.admin (the group checks it before any body).
  const releases = new ReleaseChecker(ctx.config.releaseUrl, ctx.version);

  const render = async (reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) => {
    const upgrade = readUpgradeStatus(ctx.config.dataDir);
    await reply.page(
      'system',
      {
        title: 'System',
        version: ctx.version,
        installed: ctx.config.containerName !== undefined,
        releaseCheck: releases.enabled,
        release: await releases.latest(),
        upgrade,
        upgrading: isUpgradeInProgress(upgrade),
        ...extra,
      },
      status,
    );
  };

  app.get('/system', { config: can('server.admin'), schema: hidden }, async (_request, reply) => render(reply));

  app.post<{ Body: { to?: string } }>(
    '/system/upgrade',
    {
      config: can('server.admin'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        body: { type: 'object', properties: { to: { type: 'string', maxLength: 300 }, _csrf: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      try {
        const { image } = await ctx.upgrade.start(request.body.to ?? '');
        request.log.info({ image }, 'upgrade started');
        reply.flash('success', `Upgrading to ${image}. The panel restarts in a moment; reload this page.`);
        await render(reply);
      } catch (error) {
        if (!isAppError(error) || !['VALIDATION_FAILED', 'NOT_FOUND', 'DOCKER_ERROR'].includes(error.code)) throw error;
        await render(reply, { upgradeError: error.message, to: request.body.to }, 422);
      }
    },
  );

  app.post<{ Body: { passphrase: string; confirm: string } }>(
    '/system/backup',
    {
      config: can('server.admin'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        body: {
          type: 'object',
          required: ['passphrase', 'confirm'],
          properties: {
            passphrase: { type: 'string', maxLength: 1024 },
            confirm: { type: 'string', maxLength: 1024 },
            _csrf: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      const { passphrase, confirm } = request.body;
      try {
        checkPassphrase(passphrase);
        if (passphrase !== confirm) throw new AppError('VALIDATION_FAILED', 'The two passphrases differ.');
      } catch (error) {
        if (!isAppError(error)) throw error;
        return render(reply, { backupError: error.message }, 422);
      }
      const dir = join(ctx.config.dataDir, 'tmp');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, `${newId('bak')}.berth`);
      try {
        await createPanelBackup({ dataDir: ctx.config.dataDir, passphrase, out: file, version: ctx.version });
      } catch (error) {
        rmSync(file, { force: true });
        throw error;
      }
      request.log.info('panel backup downloaded');
      const name = `berth-backup-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.berth`;
      const stream = createReadStream(file);
      stream.on('close', () => rmSync(file, { force: true }));
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );
}
