/** A project with services in a real SQLite file, and synthetic metric buckets, for metrics tests and the bench. */
import type { Db } from '../../src/db/connection.js';
import type { Bucket } from '../../src/metrics/metrics.types.js';

export async function seedProject(
  db: Db,
  projectId: string,
  projectName: string,
  services: Array<{ id: string; name: string; kind?: 'app' | 'database' }>,
): Promise<void> {
  await db.insertInto('projects').values({ id: projectId, name: projectName }).execute();
  await db
    .insertInto('environments')
    .values({ id: `env_${projectId}`, project_id: projectId, name: 'production' })
    .execute();
  for (const s of services) {
    await db
      .insertInto('services')
      .values({
        id: s.id,
        project_id: projectId,
        environment_id: `env_${projectId}`,
        name: s.name,
        kind: s.kind ?? 'app',
        source: JSON.stringify({ type: 'image', image: 'berth-test/busybox:latest' }),
      } as never)
      .execute();
  }
}

/** A 10-s bucket with plausible, slightly varying numbers. */
export function syntheticBucket(ts: number, i = 0): Bucket {
  return {
    ts,
    samples: 1,
    spanMs: 10_000,
    cpuMs: 1500 + (i % 37) * 13,
    memoryAvg: 180_000_000 + (i % 101) * 4096,
    memoryMax: 180_000_000 + (i % 101) * 4096,
    memoryLimit: 536_870_912,
    netRx: 20_000 + (i % 53) * 111,
    netTx: 90_000 + (i % 47) * 97,
    blkRead: i % 7 === 0 ? 4096 : 0,
    blkWrite: (i % 11) * 4096,
    restarts: 0,
    containers: 1,
    diskBytes: 50_000_000,
  };
}
