/**
 * The panel's passkey ceremonies as a browser script runs them (public/js/passkeys.js), over any client
 * that keeps cookies (InjectClient in-process, FetchClient against `berth serve`), answered by a
 * SoftAuthenticator.
 */
import assert from 'node:assert/strict';
import type { SoftAuthenticator } from './soft-authenticator.js';

interface Answer {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface PanelClient {
  get(url: string): Promise<Answer>;
  postJson(url: string, body: unknown, headers?: Record<string, string>): Promise<Answer>;
  csrfFrom(url: string): Promise<string>;
}

export async function csrfHeader(client: PanelClient, page: string): Promise<Record<string, string>> {
  return { 'x-csrf-token': await client.csrfFrom(page) };
}

/** Account page → options → create() → the answer with its name (201 when added). */
export async function addPasskey(client: PanelClient, key: SoftAuthenticator, name: string) {
  const headers = await csrfHeader(client, '/account');
  const options = await client.postJson('/account/passkeys/options', {}, headers);
  assert.equal(options.statusCode, 200, options.body);
  const credential = key.register(options.json().options);
  return client.postJson('/account/passkeys', { name, credential }, headers);
}

/** Options for a sign-in without password, from a fresh login page. */
export async function passwordlessOptions(client: PanelClient) {
  const headers = await csrfHeader(client, '/login');
  const res = await client.postJson('/login/passkey/options', {}, headers);
  assert.equal(res.statusCode, 200, res.body);
  return { options: res.json().options, headers };
}

/** A whole sign-in without password (200 with `next` when signed in). */
export async function passwordless(
  client: PanelClient,
  key: SoftAuthenticator,
  knobs: Parameters<SoftAuthenticator['assert']>[1] = {},
) {
  const { options, headers } = await passwordlessOptions(client);
  return client.postJson('/login/passkey', { credential: key.assert(options, knobs), next: '/account' }, headers);
}

/** The passkey step of a half-signed-in session (after the password). */
export async function secondFactorAnswer(
  client: PanelClient,
  answer: (options: never) => ReturnType<SoftAuthenticator['assert']>,
) {
  const headers = await csrfHeader(client, '/login/two-factor');
  const options = await client.postJson('/login/two-factor/passkey/options', {}, headers);
  assert.equal(options.statusCode, 200, options.body);
  return client.postJson('/login/two-factor/passkey', { credential: answer(options.json().options as never) }, headers);
}
