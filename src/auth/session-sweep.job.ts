import type { Job } from '../jobs/scheduler.js';
import type { SqliteSessionStore } from './session-store.js';

/** Expired sessions are refused on read already; this keeps the table from growing forever. */
export function sessionSweepJob(store: SqliteSessionStore): Job {
  return { name: 'session-sweep', schedule: '17 * * * *', run: () => store.deleteExpired() };
}
