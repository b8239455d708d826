/**
 * A copy of a compose stack for another environment (issue 18: duplicates and previews): the same spec
 * (pasted compose or repository file, routed service and port, template, variables sealed as stored:
 * secrets are never decrypted), a new name and id, so a new network, volumes and containers when it
 * deploys. Nothing of the source's runtime is copied: not its status, log, volumes' data or custom domains
 * (a hostname has one owner). The copy is not deployed here.
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import { checkStackName } from './stack-input.js';
import { findStackRow, insertStack, isNameTaken } from './stacks.repository.js';

export async function copyStack(
  db: Db,
  stackId: string,
  target: { name: string; environmentId: string },
): Promise<{ id: string; name: string }> {
  const row = await findStackRow(db, stackId);
  if (!row) throw new AppError('NOT_FOUND', 'No such stack.');
  const name = checkStackName(target.name);
  if (await isNameTaken(db, row.project_id, name))
    throw new AppError('SERVICE_NAME_TAKEN', `The project already has a service or stack named ${name}.`, {
      details: { name: 'taken' },
    });
  const now = nowIso();
  const id = newId('stk');
  await insertStack(db, {
    ...row,
    id,
    name,
    environment_id: target.environmentId,
    status: 'created',
    error: null,
    generation: 0,
    volumes: '[]',
    deploy_log: '',
    deployed_at: null,
    created_at: now,
    updated_at: now,
  });
  return { id, name };
}
