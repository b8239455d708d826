/**
 * The panel pages added with observability decide who may use them before a body is read: a signed-out
 * request with an oversized form body is sent to the login page, not answered 413 (which would mean the
 * body had been read first).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/http-app.js';

describe('panel: who may use a page is decided before its body is read', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('sends a signed-out POST with an oversized body to the login page', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/notifications/channels',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `name=${'x'.repeat(2 * 1024 * 1024)}`,
    });
    assert.equal(res.statusCode, 303);
    assert.match(String(res.headers.location), /^\/login\?next=/);
  });
});
