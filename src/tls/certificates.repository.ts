/** SQL for the certificates table only: what the panel shows about each hostname's certificate. */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { CertificatesTable } from '../db/schema.js';
import { nowIso } from '../lib/ids.js';

export type CertificateState = 'pending' | 'issued' | 'failed';

export interface CertificateRecord {
  hostname: string;
  status: CertificateState;
  issuer: string | null;
  notBefore: string | null;
  notAfter: string | null;
  lastError: string | null;
  failures: number;
  lastAttemptAt: string | null;
  nextRetryAt: string | null;
}

function toRecord(row: Selectable<CertificatesTable>): CertificateRecord {
  return {
    hostname: row.hostname,
    status: row.status,
    issuer: row.issuer,
    notBefore: row.not_before,
    notAfter: row.not_after,
    lastError: row.last_error,
    failures: row.failures,
    lastAttemptAt: row.last_attempt_at,
    nextRetryAt: row.next_retry_at,
  };
}

export async function findCertificate(db: Executor, hostname: string): Promise<CertificateRecord | undefined> {
  const row = await db.selectFrom('certificates').selectAll().where('hostname', '=', hostname).executeTakeFirst();
  return row && toRecord(row);
}

export async function listCertificates(db: Executor): Promise<CertificateRecord[]> {
  return (await db.selectFrom('certificates').selectAll().execute()).map(toRecord);
}

/** Creates the row (pending) or changes the given fields. */
export async function saveCertificate(
  db: Executor,
  hostname: string,
  fields: Partial<Omit<CertificateRecord, 'hostname'>>,
): Promise<void> {
  const values = {
    ...(fields.status !== undefined && { status: fields.status }),
    ...(fields.issuer !== undefined && { issuer: fields.issuer }),
    ...(fields.notBefore !== undefined && { not_before: fields.notBefore }),
    ...(fields.notAfter !== undefined && { not_after: fields.notAfter }),
    ...(fields.lastError !== undefined && { last_error: fields.lastError }),
    ...(fields.failures !== undefined && { failures: fields.failures }),
    ...(fields.lastAttemptAt !== undefined && { last_attempt_at: fields.lastAttemptAt }),
    ...(fields.nextRetryAt !== undefined && { next_retry_at: fields.nextRetryAt }),
    updated_at: nowIso(),
  };
  await db
    .insertInto('certificates')
    .values({ hostname, status: 'pending', ...values })
    .onConflict((oc) => oc.column('hostname').doUpdateSet(values))
    .execute();
}

export async function deleteCertificate(db: Executor, hostname: string): Promise<void> {
  await db.deleteFrom('certificates').where('hostname', '=', hostname).execute();
}
