/**
 * Repositories own all SQL: a query built anywhere but a `*.repository.ts` file or src/db/ fails this test,
 * which names the files and lines. Services run several repository calls in one transaction by passing
 * the transaction (an `Executor`) to them; starting a transaction is not a query and is allowed anywhere.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

/** Kysely's query builders and its raw `sql` template (tagged as is or with a row type). */
const QUERY =
  /\.(selectFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto|selectNoFrom)\(|\bsql(<[^`]*>)?`|\bsql\.(raw|ref|lit|id|table|join|val)\(/;

function isAllowed(path: string): boolean {
  return path.startsWith('src/db/') || path.endsWith('.repository.ts');
}

/** Lines of code that build a query; comment lines are skipped so prose may name the builders. */
function queryLines(source: string): number[] {
  const found: number[] = [];
  source.split('\n').forEach((line, index) => {
    const code = line.replace(/\/\/.*$/, '').trim();
    if (code.startsWith('*') || code.startsWith('/*')) return;
    if (QUERY.test(code)) found.push(index + 1);
  });
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f).replaceAll('\\', '/'));
}

describe('SQL lives in repositories', () => {
  it('recognises each kind of query and ignores prose about them', () => {
    assert.deepEqual(queryLines("await db.selectFrom('services').selectAll().execute();"), [1]);
    assert.deepEqual(queryLines("  .insertInto('sessions')"), [1]);
    assert.deepEqual(queryLines("trx.updateTable('deployments').set({ status })"), [1]);
    assert.deepEqual(queryLines("db.deleteFrom('settings')"), [1]);
    assert.deepEqual(queryLines("db.replaceInto('settings')"), [1]);
    assert.deepEqual(queryLines('const rows = await sql`select 1`.execute(db);'), [1]);
    assert.deepEqual(queryLines('await sql<{ id: string }>`select id from deployments`.execute(db);'), [1]);
    assert.deepEqual(queryLines("sql.raw('x')"), [1]);
    assert.deepEqual(queryLines(' * Runs db.selectFrom(...) in a comment'), []);
    assert.deepEqual(queryLines('// db.deleteFrom(x) explained'), []);
    assert.deepEqual(queryLines('await db.transaction().execute(async (trx) => save(trx));'), []);
    assert.deepEqual(queryLines('const mysql = 1; const sqlite = `x`;'), []);
  });

  it('no file outside *.repository.ts and src/db/ builds a query', () => {
    const offenders = sourceFiles('src')
      .filter((path) => !isAllowed(path))
      .flatMap((path) => {
        const lines = queryLines(readFileSync(path, 'utf8'));
        return lines.length > 0 ? [`${path}:${lines.join(',')}`] : [];
      });
    assert.deepEqual(
      offenders,
      [],
      `SQL outside repositories (move it into a *.repository.ts):\n${offenders.join('\n')}`,
    );
  });
});
