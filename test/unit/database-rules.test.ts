/** Pure rules of the databases feature: reference parsing, verification judgement, input checks, schedule intervals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPublicAccess, checkVersion, imageFor } from '../../src/databases/database-input.js';
import { findReferences } from '../../src/projects/variable-references.js';
import { compareCounts } from '../../src/databases/verification.js';
import { cleanMessage } from '../../src/databases/tool-runner.js';
import { shortestInterval } from '../../src/jobs/scheduler.js';
import { loadConfig } from '../../src/config.js';

describe('database rules', () => {
  it('finds ${{service.VAR}} references, with spaces allowed inside the braces', () => {
    assert.deepEqual(findReferences('postgres ${{db.DATABASE_URL}} and ${{ cache.REDIS_URL }}'), [
      { service: 'db', variable: 'DATABASE_URL' },
      { service: 'cache', variable: 'REDIS_URL' },
    ]);
    assert.deepEqual(findReferences('${db.X} $${{}} {{db.X}}'), []);
  });

  it('verifies a restored copy against counts taken before and after the dump', () => {
    assert.equal(compareCounts({ t: 5 }, { t: 5 }, { t: 5 }), undefined);
    assert.match(String(compareCounts({ t: 5 }, { t: 5 }, { t: 4 })), /"t" has 4 in the restored copy but 5/);
    assert.match(String(compareCounts({ t: 5 }, { t: 5 }, {})), /"t" is missing/);
    assert.match(String(compareCounts({}, {}, { x: 1 })), /has "x", which the database did not/);
    // A busy table: anything between the two counts is a consistent snapshot.
    assert.equal(compareCounts({ t: 5 }, { t: 9 }, { t: 7 }), undefined);
    assert.match(String(compareCounts({ t: 5 }, { t: 9 }, { t: 10 })), /5 to 9/);
    // A table created or dropped during the dump may or may not be in it.
    assert.equal(compareCounts({}, { n: 2 }, {}), undefined);
    assert.equal(compareCounts({ old: 1 }, {}, { old: 1 }), undefined);
  });

  it('builds the image of a chosen version from the configured image', () => {
    assert.equal(imageFor('postgres:16', undefined), 'postgres:16');
    assert.equal(imageFor('postgres:16', '15'), 'postgres:15');
    assert.equal(imageFor('registry.local:5000/team/postgres:16', '17'), 'registry.local:5000/team/postgres:17');
    assert.equal(imageFor('redis', '7.2'), 'redis:7.2');
    assert.throws(() => checkVersion('16; rm -rf /'), /image tag/);
  });

  it('binds a public port only to an IP address, 127.0.0.1 by default, on ports from 1024', () => {
    assert.deepEqual(checkPublicAccess({ port: 15432 }), { host: '127.0.0.1', port: 15432 });
    assert.deepEqual(checkPublicAccess({ host: '0.0.0.0', port: 15432 }), { host: '0.0.0.0', port: 15432 });
    assert.throws(() => checkPublicAccess({ host: 'example.com', port: 15432 }), /IP address/);
    assert.throws(() => checkPublicAccess({ port: 80 }), /1024 to 65535/);
    // An IP literal of another machine: the engine could never bind it.
    assert.throws(() => checkPublicAccess({ host: '203.0.113.7', port: 15432 }), /not an address of this server/);
    assert.deepEqual(checkPublicAccess({ host: '::0', port: 15432 }), { host: '::', port: 15432 });
  });

  it('measures the shortest gap of a cron schedule', () => {
    assert.equal(shortestInterval('*/2 * * * * *'), 2000);
    assert.equal(shortestInterval('0 3 * * *'), 24 * 3600 * 1000);
    assert.equal(shortestInterval('*/15 * * * *'), 15 * 60 * 1000);
  });

  it('removes credentials from tool errors, also URL-encoded and inside URLs', () => {
    const c = { user: 'app', password: 'p@ss/word-123', database: 'app', rootPassword: 'root-pw-456' };
    const text = `failed: p@ss/word-123 ${encodeURIComponent('p@ss/word-123')} root-pw-456 postgresql://app:x@db/app`;
    const cleaned = cleanMessage(text, [c]);
    assert.ok(!cleaned.includes('word-123') && !cleaned.includes('root-pw'), cleaned);
    assert.match(cleaned, /postgresql:\/\/\[redacted\]@db/);
  });

  it('reads BERTH_DB_IMAGE_<ENGINE> settings with the official images as defaults', () => {
    const config = loadConfig({ BERTH_DB_IMAGE_POSTGRES: 'berth-test/postgres:15' });
    assert.equal(config.dbImages.postgres, 'berth-test/postgres:15');
    assert.equal(config.dbImages.mysql, 'mysql:8.4');
    assert.equal(config.dbImages.mongo, 'mongo:7');
    assert.throws(
      () => loadConfig({ BERTH_DB_IMAGE_ORACLE: 'x' }),
      /BERTH_DB_IMAGE_ORACLE is not a database image setting/,
    );
    assert.throws(() => loadConfig({ BERTH_DB_IMAGE_REDIS: 'not an image!' }), /must be an image reference/);
  });
});
