/** Destructive deletes are confirmed by typing the thing's name, as in `{"confirm": "<name>"}`. */
import { AppError } from '../errors.js';

export function checkNameConfirmation(kind: 'service' | 'project', name: string, raw: unknown): void {
  if (raw === name) return;
  const said = raw === undefined || raw === null || raw === '' ? 'is missing' : 'does not match';
  throw new AppError(
    'CONFIRMATION_REQUIRED',
    `The confirmation ${said}: type the ${kind}'s name ("${name}") to delete it, e.g. {"confirm": "${name}"}. Nothing was deleted.`,
    { details: { confirm: `must equal the ${kind} name` } },
  );
}
