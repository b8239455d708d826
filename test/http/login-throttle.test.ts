/**
 * The login throttle under attack, on the real app and a real SQLite file: a parallel burst from one
 * address gets only a handful of passwords checked, the owner still logs in from elsewhere, a burst from
 * many addresses does not starve static files, bcrypt's 72-byte cut does not let a longer password in,
 * and `berth admin unlock` (another process, same data dir) lifts a lock on a running app.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createAdmin } from '../../src/auth/users.service.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { ADMIN, seedAdmin } from '../helpers/accounts.js';
import { InjectClient } from '../helpers/inject-client.js';

const BIN = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));
const PER_PAIR = 5;

async function loginClient(t: TestApp, ip: string): Promise<{ client: InjectClient; csrf: string }> {
  const client = new InjectClient(t.app, ip);
  return { client, csrf: await client.csrfFrom('/login') };
}

describe('login throttle under attack', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({
      throttle: {
        perPair: PER_PAIR,
        perAddress: 20,
        accountSlowAfter: 5,
        accountDelayMs: 10,
        accountMaxDelayMs: 50,
        windowMs: 15 * 60_000,
      },
    });
    await seedAdmin(t.db);
  });
  after(() => t.close());

  it('checks at most a handful of 200 parallel wrong passwords from one address; the owner still logs in elsewhere', async () => {
    const { client, csrf } = await loginClient(t, '10.9.0.1');
    const burst = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        client.postForm('/login', { _csrf: csrf, email: ADMIN.email, password: `wrong-password-${i}` }),
      ),
    );
    const statuses = burst.map((r) => r.statusCode);
    const checked = statuses.filter((s) => s === 401).length;
    assert.ok(checked <= PER_PAIR, `${checked} passwords were checked (401), at most ${PER_PAIR} may be`);
    assert.equal(statuses.filter((s) => s === 429).length, 200 - checked);
    // On a loaded machine some of the allowed checks are refused as busy (429, not counted): the pair still
    // has exactly PER_PAIR - checked guesses left, each one checked, and then none.
    for (let i = checked; i < PER_PAIR; i++) {
      const guess = await client.postForm('/login', { _csrf: csrf, email: ADMIN.email, password: `late-guess-${i}` });
      assert.equal(guess.statusCode, 401, `guess ${i + 1} of ${PER_PAIR} is checked`);
    }
    // The attacker's address stays locked, even with the right password...
    const again = await client.postForm('/login', { _csrf: csrf, ...ADMIN });
    assert.equal(again.statusCode, 429);
    // ...but the owner, from their own address, is not locked out.
    const owner = await loginClient(t, '10.9.0.2');
    const res = await owner.client.postForm('/login', { _csrf: owner.csrf, ...ADMIN });
    assert.equal(res.statusCode, 303, 'the real admin logs in while the attacker is throttled');
  });

  it('serves a static file fast while a burst of logins from many addresses is being checked', async () => {
    const clients = await Promise.all(
      Array.from({ length: 120 }, (_, i) => loginClient(t, `10.8.${i >> 8}.${i & 255}`)),
    );
    const burst = Promise.all(
      clients.map(({ client, csrf }, i) =>
        client.postForm('/login', { _csrf: csrf, email: `user${i}@example.com`, password: 'wrong-password!' }),
      ),
    );
    // Let the burst reach bcrypt first.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    const css = await t.app.inject({ method: 'GET', url: '/public/css/berth.css' });
    const tookMs = performance.now() - started;
    const statuses = (await burst).map((r) => r.statusCode);
    assert.equal(css.statusCode, 200);
    assert.ok(tookMs < 2_000, `the stylesheet took ${Math.round(tookMs)} ms during the burst`);
    assert.ok(
      statuses.every((s) => s === 401 || s === 429),
      `every login is refused: ${[...new Set(statuses)].join(',')}`,
    );
  });

  it('does not log in with a 73-byte password whose first 72 bytes are the real one', async () => {
    const password = 'p'.repeat(72);
    await createAdmin(t.db, { email: 'long@example.com', password });
    const { client, csrf } = await loginClient(t, '10.7.0.1');
    const longer = await client.postForm('/login', {
      _csrf: csrf,
      email: 'long@example.com',
      password: `${password}x`,
    });
    assert.equal(longer.statusCode, 401);
    const exact = await client.postForm('/login', { _csrf: csrf, email: 'long@example.com', password });
    assert.equal(exact.statusCode, 303, 'the 72-byte password itself still works');
  });

  it('`berth admin unlock` lifts a lock on the running app from another process', async () => {
    const { client, csrf } = await loginClient(t, '10.6.0.1');
    for (let i = 0; i < PER_PAIR; i++) {
      await client.postForm('/login', { _csrf: csrf, email: ADMIN.email, password: 'wrong-password!' });
    }
    assert.equal((await client.postForm('/login', { _csrf: csrf, ...ADMIN })).statusCode, 429);
    const cli = spawnSync(process.execPath, [BIN, 'admin', 'unlock', 'Admin@Example.com'], {
      env: { PATH: process.env.PATH, BERTH_DATA_DIR: t.config.dataDir, BERTH_LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(cli.status, 0, cli.stdout + cli.stderr);
    assert.match(cli.stdout, /admin@example\.com/);
    const res = await client.postForm('/login', { _csrf: csrf, ...ADMIN });
    assert.equal(res.statusCode, 303, 'the same address logs in right after the unlock');
  });
});
