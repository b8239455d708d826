/**
 * Error statuses tell the caller what went wrong: 400 a malformed request (schema, JSON), 422 a
 * well-formed value that is not acceptable, 409 a conflict with what exists, 404 nothing there.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { seedAdmin, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';

/** A fresh ed25519 public key line, as in ~/.ssh/id_ed25519.pub. */
function publicKeyLine(): string {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')} test@host`;
}

const KEY = publicKeyLine();

describe('API error statuses: 400 vs 422 vs 409 vs 404', () => {
  let t: TestApp;
  let auth: Record<string, string>;
  before(async () => {
    t = await createTestApp();
    auth = { authorization: `Bearer ${await tokenFor(t.db, (await seedAdmin(t.db)).id)}` };
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: { ...auth, ...headers }, payload: payload as string });

  it('400 BAD_REQUEST for a malformed request: invalid JSON, or a body that fails the schema', async () => {
    const json = await call('POST', '/projects', '{"name": ', { 'content-type': 'application/json' });
    assert.equal(json.statusCode, 400);
    assert.equal(json.json().error.code, 'BAD_REQUEST');
    const shape = await call('POST', '/projects', { name: 42 });
    assert.equal(shape.statusCode, 400);
    assert.equal(shape.json().error.code, 'BAD_REQUEST');
  });

  it('422 VALIDATION_FAILED for a well-formed but invalid value', async () => {
    const res = await call('POST', '/projects', { name: 'Not A Valid Name!' });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    const key = await call('POST', '/ssh-keys', { name: 'laptop', publicKey: 'not a key' });
    assert.equal(key.statusCode, 422);
  });

  it('409 for a conflict with what exists: a taken name, a key already added', async () => {
    assert.equal((await call('POST', '/projects', { name: 'shop' })).statusCode, 201);
    const taken = await call('POST', '/projects', { name: 'shop' });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json().error.code, 'PROJECT_NAME_TAKEN');
    assert.equal((await call('POST', '/ssh-keys', { name: 'laptop', publicKey: KEY })).statusCode, 201);
    const again = await call('POST', '/ssh-keys', { name: 'desktop', publicKey: KEY });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, 'CONFLICT');
  });

  it('404 NOT_FOUND for what does not exist', async () => {
    const res = await call('GET', '/projects/prj_doesnotexist0');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'NOT_FOUND');
    assert.equal((await call('GET', '/deployments/dep_doesnotexist0')).statusCode, 404);
  });

  it('documents 409 and 422 in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const responses = doc.paths['/api/v1/projects'].post.responses;
    assert.ok(responses['409'], 'POST /projects documents 409');
    assert.ok(doc.paths['/api/v1/ssh-keys'].post.responses['422'], 'POST /ssh-keys documents 422');
  });
});
