// Git credentials of services (an access token or a deploy key): write-only in the API and the panel,
// stored encrypted, decrypted only for the deploy runner. Nothing here connects anywhere.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { databaseReferences } from '../../src/databases/references.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { createServiceCatalog } from '../../src/projects/service-catalog.js';
import { createAppService } from '../../src/projects/services.service.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { assertBadInput } from '../helpers/refusals.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { csrfTokenOf } from '../helpers/inject-client.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

// Public IP literals: validation needs no DNS answer, and nothing in these tests ever connects.
const HTTPS_GIT = 'https://1.1.1.1/acme/web.git';
const SSH_GIT = 'ssh://git@1.1.1.1/acme/web.git';
const TOKEN = 'ghp_canaryTOKEN4b1d9e2f7a';

function opensshKey(cipher: string): string {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const blob = Buffer.concat([
    Buffer.from('openssh-key-v1\u0000'),
    u32(cipher.length),
    Buffer.from(cipher),
    randomBytes(300),
  ]);
  const lines = blob.toString('base64').match(/.{1,70}/g)!;
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

const SSH_KEY = opensshKey('none');
/** A line long enough that it cannot show up anywhere by chance. */
const KEY_CANARY = SSH_KEY.split('\n')[2]!;
const PKCS8_KEY = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

async function apiClient(t: TestApp) {
  const admin = await seedAdmin(t.db);
  const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
  return (method: Method, url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
}

const credentialRow = (t: TestApp, serviceId: string) =>
  t.db.selectFrom('service_credentials').selectAll().where('service_id', '=', serviceId).executeTakeFirst();

describe('git credentials in the API', () => {
  let t: TestApp;
  let api: Awaited<ReturnType<typeof apiClient>>;
  let projectId: string;
  before(async () => {
    t = await createTestApp();
    api = await apiClient(t);
    projectId = (await api('POST', '/api/v1/projects', { name: 'vault' })).json().id;
  });
  after(() => t.close());

  const create = (body: unknown) => api('POST', `/api/v1/projects/${projectId}/services`, body);
  const gitSource = (credentials?: unknown, url = HTTPS_GIT) => ({
    type: 'git',
    url,
    branch: 'main',
    ...(credentials === undefined ? {} : { credentials }),
  });

  it('creates a git service with a token: no response shows it, the row holds it encrypted only', async () => {
    const created = await create({ name: 'web', source: gitSource({ token: TOKEN, username: 'deploy' }) });
    assert.equal(created.statusCode, 201, created.body);
    assert.ok(!created.body.includes(TOKEN), 'the create response does not contain the token');
    const id = created.json().id;
    assert.deepEqual(created.json().source, {
      type: 'git',
      url: HTTPS_GIT,
      branch: 'main',
      credentials: { kind: 'token', username: 'deploy' },
    });

    const got = await api('GET', `/api/v1/services/${id}`);
    assert.ok(!got.body.includes(TOKEN));
    assert.deepEqual(got.json().source.credentials, { kind: 'token', username: 'deploy' });
    const list = await api('GET', `/api/v1/projects/${projectId}/services`);
    assert.ok(!list.body.includes(TOKEN));
    assert.deepEqual(list.json()[0].source.credentials, { kind: 'token', username: 'deploy' });
    const openapi = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.match(openapi.body, /sshPrivateKey/);

    const row = await credentialRow(t, id);
    assert.equal(row?.kind, 'token');
    assert.equal(row?.username, 'deploy');
    assert.match(row!.secret_encrypted, /^v1\./);
    assert.ok(!JSON.stringify(row).includes(TOKEN), 'no plaintext token in the row');
    const service = await t.db.selectFrom('services').select('source').where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(!service.source.includes(TOKEN) && !service.source.includes('credentials'), service.source);
  });

  it('says credentials: null for a public git source and leaves it out for other sources', async () => {
    const git = await create({ name: 'open-repo', source: gitSource() });
    assert.equal(git.statusCode, 201, git.body);
    assert.equal(git.json().source.credentials, null);
    const image = await create({ name: 'img', source: { type: 'image', image: 'nginx:1.27' } });
    assert.equal(image.statusCode, 201, image.body);
    assert.deepEqual(image.json().source, { type: 'image', image: 'nginx:1.27' });
    const removed = await create({ name: 'explicit-none', source: gitSource(null) });
    assert.equal(removed.statusCode, 201, removed.body);
    assert.equal(removed.json().source.credentials, null);
  });

  it('replaces a token with a deploy key, keeps it across changes, and removes it with null', async () => {
    const id = (await create({ name: 'rotate', source: gitSource({ token: TOKEN }) })).json().id;
    assert.equal((await credentialRow(t, id))?.username, null, 'no user name given: the default is used at fetch');
    const patch = (body: unknown) => api('PATCH', `/api/v1/services/${id}`, body);

    let res = await patch({ source: gitSource({ sshPrivateKey: SSH_KEY }, SSH_GIT) });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().source.credentials, { kind: 'ssh-key' });
    assert.ok(!res.body.includes(KEY_CANARY) && !res.body.includes('PRIVATE KEY'));
    let row = await credentialRow(t, id);
    assert.equal(row?.kind, 'ssh-key');
    assert.equal(row?.username, null);
    assert.ok(!row!.secret_encrypted.includes(KEY_CANARY));

    res = await patch({ port: 8080 });
    assert.deepEqual(res.json().source.credentials, { kind: 'ssh-key' }, 'settings changes keep them');
    res = await patch({ source: { type: 'git', url: 'ssh://git@1.1.1.1:22/acme/other.git', branch: 'dev' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().source.credentials, { kind: 'ssh-key' }, 'same server, other repository: kept');

    res = await patch({ source: gitSource(undefined, 'ssh://git@1.0.0.1/acme/web.git') });
    assert.equal(res.statusCode, 422, 'stored credentials are not sent to another server');
    assert.match(res.json().error.message, /another server/);
    res = await patch({ source: gitSource() });
    assert.equal(res.statusCode, 422, 'nor over another protocol');
    assert.equal((await credentialRow(t, id))?.kind, 'ssh-key', 'unchanged after a refused change');

    res = await patch({ source: gitSource(null, 'ssh://git@1.0.0.1/acme/web.git') });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().source.credentials, null);
    assert.equal(await credentialRow(t, id), undefined);
    assert.equal((await api('GET', `/api/v1/services/${id}`)).json().source.credentials, null);

    res = await patch({ source: gitSource({ sshPrivateKey: PKCS8_KEY.replace(/\n/g, '\r\n') }, SSH_GIT) });
    assert.equal(res.statusCode, 200, 'PEM (PKCS#8) keys with CRLF line ends are accepted');
    row = await credentialRow(t, id);
    assert.equal(row?.kind, 'ssh-key');
  });

  it('refuses invalid credentials with 400 and never repeats them', async () => {
    const secretish = 'sekret-canary-77';
    const encryptedPkcs8 = generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' })
      .toString();
    const bad: Array<[unknown, string?]> = [
      [{ token: '' }],
      [{ token: `${secretish} x` }],
      [{ token: `${secretish}\nx` }],
      [{ token: `${secretish}\u0007` }],
      [{ token: `${secretish}é` }],
      [{ token: 'x'.repeat(1025) }],
      [{ token: 12345 }],
      [{ token: TOKEN, username: 'bad user' }],
      [{ token: TOKEN, username: 'user:pass' }],
      [{ token: TOKEN, username: 'u'.repeat(129) }],
      [{}],
      [{ username: 'deploy' }],
      [{ password: secretish }],
      [{ token: TOKEN, sshPrivateKey: SSH_KEY }],
      ['a-string'],
      [[TOKEN]],
      [{ sshPrivateKey: secretish }, SSH_GIT],
      [
        { sshPrivateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${secretish}!!\n-----END OPENSSH PRIVATE KEY-----` },
        SSH_GIT,
      ],
      [{ sshPrivateKey: SSH_KEY.replace('-----END OPENSSH', '-----END RSA') }, SSH_GIT],
      [{ sshPrivateKey: `${SSH_KEY}${'A'.repeat(17 * 1024)}` }, SSH_GIT],
      [{ sshPrivateKey: opensshKey('aes256-ctr') }, SSH_GIT],
      [{ sshPrivateKey: encryptedPkcs8 }, SSH_GIT],
      [{ sshPrivateKey: SSH_KEY, username: 'git' }, SSH_GIT],
      [{ token: TOKEN }, SSH_GIT],
      [{ sshPrivateKey: SSH_KEY }, HTTPS_GIT],
    ];
    for (const [credentials, url] of bad) {
      const res = await create({ name: 'bad', source: gitSource(credentials, url) });
      const label = JSON.stringify(credentials).slice(0, 80);
      assertBadInput(res, label);
      assert.ok(!res.body.includes(secretish) && !res.body.includes(TOKEN), `${label} is not echoed: ${res.body}`);
    }
    const passphrase = await create({
      name: 'bad',
      source: gitSource({ sshPrivateKey: opensshKey('aes256-ctr') }, SSH_GIT),
    });
    assert.match(passphrase.json().error.message, /passphrase/);
    const mismatch = await create({ name: 'bad', source: gitSource({ token: TOKEN }, SSH_GIT) });
    assert.match(mismatch.json().error.message, /deploy key/);
    assert.equal(mismatch.json().error.details.credentials, mismatch.json().error.message);

    assert.equal((await t.db.selectFrom('services').select('id').where('name', '=', 'bad').execute()).length, 0);
  });

  it('refuses credentials on image and push sources, and a switch to an image drops them', async () => {
    for (const source of [
      { type: 'image', image: 'nginx:1.27', credentials: { token: TOKEN } },
      { type: 'push', branch: 'main', credentials: { sshPrivateKey: SSH_KEY } },
    ]) {
      const res = await create({ name: 'not-git', source });
      assert.equal(res.statusCode, 422, res.body);
      assert.match(res.json().error.message, /only for git sources/);
    }
    const id = (await create({ name: 'switch', source: gitSource({ token: TOKEN }) })).json().id;
    const refused = await api('PATCH', `/api/v1/services/${id}`, {
      source: { type: 'image', image: 'nginx:1.27', credentials: { token: TOKEN } },
    });
    assert.equal(refused.statusCode, 422);
    assert.equal((await credentialRow(t, id))?.kind, 'token');

    const switched = await api('PATCH', `/api/v1/services/${id}`, { source: { type: 'image', image: 'nginx:1.27' } });
    assert.equal(switched.statusCode, 200, switched.body);
    assert.deepEqual(switched.json().source, { type: 'image', image: 'nginx:1.27' });
    assert.equal(await credentialRow(t, id), undefined);
    const back = await api('PATCH', `/api/v1/services/${id}`, { source: gitSource() });
    assert.equal(back.json().source.credentials, null, 'switching back does not bring them back');
  });

  it('deletes the credentials with the service', async () => {
    const id = (await create({ name: 'doomed', source: gitSource({ token: TOKEN }) })).json().id;
    assert.ok(await credentialRow(t, id));
    assert.equal((await api('DELETE', `/api/v1/services/${id}`, { confirm: 'doomed' })).statusCode, 200);
    assert.equal(await credentialRow(t, id), undefined);
  });

  it('hands the decrypted credentials to the deploy runner only', async () => {
    const secretBox = new SecretBox(randomBytes(32).toString('base64url'));
    const deps = { db: t.db, config: t.config, secretBox };
    const catalog = createServiceCatalog(t.db, secretBox, databaseReferences(secretBox));
    const withToken = await createAppService(deps, projectId, {
      name: 'runner-token',
      source: gitSource({ token: TOKEN, username: 'oauth2' }),
    });
    assert.deepEqual(withToken.source, {
      type: 'git',
      url: HTTPS_GIT,
      branch: 'main',
      credentials: { kind: 'token', username: 'oauth2' },
    });
    assert.deepEqual(await catalog.gitCredentials(withToken.id), { token: TOKEN, username: 'oauth2' });
    const withKey = await createAppService(deps, projectId, {
      name: 'runner-key',
      source: gitSource({ sshPrivateKey: SSH_KEY.replace(/\n/g, '\r\n') }, SSH_GIT),
    });
    assert.deepEqual(await catalog.gitCredentials(withKey.id), { sshPrivateKey: SSH_KEY });
    const found = await catalog.findService(withKey.id);
    assert.deepEqual(found?.service.source, {
      type: 'git',
      url: SSH_GIT,
      branch: 'main',
      credentials: { kind: 'ssh-key' },
    });
    const none = await createAppService(deps, projectId, { name: 'runner-none', source: gitSource() });
    assert.equal(await catalog.gitCredentials(none.id), undefined);
    assert.equal(await catalog.gitCredentials('svc_nothing'), undefined);
  });
});

describe('git credentials in the panel', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await seedAdmin(t.db);
  });
  after(() => t.close());

  /** The settings form as the page fills it in, plus `extra`. */
  function settingsForm(html: string, extra: Record<string, string>): Record<string, string> {
    return {
      _csrf: csrfTokenOf(html),
      sourceType: 'git',
      gitUrl: HTTPS_GIT,
      branch: 'main',
      image: '',
      port: '3000',
      replicas: '1',
      healthcheckType: 'http',
      healthcheckPath: '/',
      healthcheckStatus: '200',
      healthcheckTimeout: '60',
      memoryMb: '',
      cpus: '',
      dockerfilePath: '',
      buildContext: '',
      buildpack: '',
      buildArgs: '',
      releaseCommand: '',
      gitToken: '',
      gitUsername: '',
      sshPrivateKey: '',
      ...extra,
    };
  }

  it('sets a token from the settings form, shows only that one is set, replaces and removes it', async () => {
    const client = await signedInClient(t.app);
    const list = await client.get('/projects');
    const projectUrl = String(
      (await client.postForm('/projects', { _csrf: csrfTokenOf(list.body), name: 'secrets' })).headers.location,
    );
    const projectPage = await client.get(projectUrl);
    const created = await client.postForm(`${projectUrl}/services`, {
      _csrf: csrfTokenOf(projectPage.body),
      name: 'web',
      sourceType: 'git',
      gitUrl: HTTPS_GIT,
      branch: 'main',
    });
    const serviceUrl = String(created.headers.location);
    const id = serviceUrl.split('/').pop()!;

    let page = await client.get(`${serviceUrl}/settings`);
    assert.match(page.body, /Private repository:\s*<span class="muted" id="credentials-state">none/);
    assert.match(page.body, /<input type="password" name="gitToken"/);
    assert.match(page.body, /<textarea name="sshPrivateKey"/);

    const badToken = `${TOKEN} with-space`;
    const bad = await client.postForm(`${serviceUrl}/settings`, settingsForm(page.body, { gitToken: badToken }), {
      'hx-request': 'true',
    });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /printable characters/);
    assert.ok(!bad.body.includes(TOKEN), 'a refused token is not shown again');
    assert.equal(await credentialRow(t, id), undefined);

    const saved = await client.postForm(
      `${serviceUrl}/settings`,
      settingsForm(page.body, { gitToken: ` ${TOKEN}\n`, gitUsername: 'deploy' }),
    );
    assert.equal(saved.statusCode, 303, saved.body);
    page = await client.get(`${serviceUrl}/settings`);
    assert.match(
      page.body,
      /<strong id="credentials-state">token set<\/strong> <span class="muted">\(user deploy\)<\/span>/,
    );
    assert.match(page.body, /<summary>Replace<\/summary>/);
    assert.match(page.body, /id="remove-credentials-button"/);
    assert.ok(!page.body.includes(TOKEN), 'the page never shows the token');
    assert.equal((await credentialRow(t, id))?.username, 'deploy');

    // Saving other settings with the credential fields left empty keeps them.
    const kept = await client.postForm(`${serviceUrl}/settings`, settingsForm(page.body, { port: '8080' }));
    assert.equal(kept.statusCode, 303);
    assert.equal((await credentialRow(t, id))?.kind, 'token');

    const keyOnHttps = await client.postForm(
      `${serviceUrl}/settings`,
      settingsForm(page.body, { sshPrivateKey: SSH_KEY.replace(/\n/g, '\r\n') }),
      { 'hx-request': 'true' },
    );
    assert.equal(keyOnHttps.statusCode, 422);
    assert.match(keyOnHttps.body, /A deploy key works with ssh URLs/);
    assert.ok(!keyOnHttps.body.includes(KEY_CANARY), 'a refused key is not shown again');

    const toKey = await client.postForm(
      `${serviceUrl}/settings`,
      settingsForm(page.body, { gitUrl: SSH_GIT, sshPrivateKey: SSH_KEY.replace(/\n/g, '\r\n') }),
    );
    assert.equal(toKey.statusCode, 303, toKey.body);
    page = await client.get(`${serviceUrl}/settings`);
    assert.match(page.body, /<strong id="credentials-state">deploy key set<\/strong>/);
    assert.ok(!page.body.includes(KEY_CANARY));
    assert.equal((await credentialRow(t, id))?.kind, 'ssh-key');

    const forged = await client.postForm(`${serviceUrl}/credentials/remove`, { _csrf: 'forged' });
    assert.equal(forged.statusCode, 403);
    assert.ok(await credentialRow(t, id), 'a forged form removes nothing');

    assert.match(
      page.body,
      new RegExp(`<form id="remove-credentials" method="post" action="/services/${id}/credentials/remove"`),
    );
    const removed = await client.postForm(`${serviceUrl}/credentials/remove`, { _csrf: csrfTokenOf(page.body) });
    assert.equal(removed.statusCode, 303);
    assert.equal(await credentialRow(t, id), undefined);
    page = await client.get(`${serviceUrl}/settings`);
    assert.match(page.body, /The stored credentials were removed/);
    assert.match(page.body, /id="credentials-state">none/);
  });

  it('takes a token in the new-service form, stores it encrypted and never echoes it', async () => {
    const client = await signedInClient(t.app);
    const list = await client.get('/projects');
    const projectUrl = String(
      (await client.postForm('/projects', { _csrf: csrfTokenOf(list.body), name: 'private' })).headers.location,
    );
    const page = await client.get(projectUrl);
    assert.match(page.body, /name="gitToken"/);
    const base = {
      _csrf: csrfTokenOf(page.body),
      sourceType: 'git',
      gitUrl: HTTPS_GIT,
      branch: 'main',
      gitToken: TOKEN,
    };

    const refused = await client.postForm(`${projectUrl}/services`, { ...base, name: 'Bad Name' });
    assert.equal(refused.statusCode, 422);
    assert.equal(refused.body.includes(TOKEN), false, 'a refused form does not show the token again');

    const created = await client.postForm(`${projectUrl}/services`, { ...base, name: 'web', gitUsername: 'deploy' });
    assert.equal(created.statusCode, 303);
    const id = String(created.headers.location).split('/').pop()!;
    const row = await credentialRow(t, id);
    assert.equal(row?.kind, 'token');
    assert.equal(row?.username, 'deploy');
    assert.equal(JSON.stringify(row).includes(TOKEN), false);
    const servicePage = await client.get(`${String(created.headers.location)}/settings`);
    assert.match(servicePage.body, /id="credentials-state">token set/);
    assert.equal(servicePage.body.includes(TOKEN), false);
  });
});
