/**
 * What a deployment log shows of the app's variables, on a REAL deploy: plain configuration as it is
 * (NODE_ENV=production), secrets redacted, also when the app prints them base64-encoded. Secrets are
 * variables named like one (*_TOKEN, ...), marked secret by the user, or URLs with credentials.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

const TOKEN = 'tok_live_9f8e7d6c5b4a39281706';
const MARKED = 'marked-by-the-user-0042';
const DB_PASSWORD = 'pw-Zq81xNmA0c';

// Run as the release command, so its output lands in the deployment log.
const PRINT_ENV = `const e = process.env;
console.log('NODE_ENV=' + e.NODE_ENV);
console.log('GREETING=' + e.GREETING);
console.log('PAYMENT_API_TOKEN=' + e.PAYMENT_API_TOKEN);
console.log('token in base64: ' + Buffer.from(e.PAYMENT_API_TOKEN).toString('base64'));
console.log('basic auth: ' + Buffer.from('user:' + e.PAYMENT_API_TOKEN).toString('base64'));
console.log('WEBHOOK_CHECK=' + e.WEBHOOK_CHECK);
console.log('db password: ' + new URL(e.MAIN_DB).password);
`;

describe('deployment log redaction', () => {
  let h: Harness;
  let git: GitServer;

  before(async () => {
    git = await startGitServer();
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
    await git?.close();
  });

  const deploy = async (serviceId: string) => {
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const deployment = await h.waitForDeployment(created.body.id);
    assert.equal(deployment.status, 'active', String(deployment.error));
    return created.body.id;
  };

  it('shows NODE_ENV=production and redacts the secret variables and their base64', async () => {
    const repo = await git.createRepo('log-web', { ...fixtureFiles('dockerfile-app'), 'print-env.cjs': PRINT_ENV });
    const { serviceId } = await createFixtureService(h.api, { project: 'logs', repoUrl: repo.url });
    const vars = await h.api('PUT', `/services/${serviceId}/variables`, {
      NODE_ENV: 'production',
      GREETING: 'hello-from-config',
      PAYMENT_API_TOKEN: TOKEN,
      WEBHOOK_CHECK: { value: MARKED, secret: true },
      MAIN_DB: `postgresql://app:${DB_PASSWORD}@db:5432/app`,
    });
    assert.equal(vars.status, 200, JSON.stringify(vars.body));
    const keys = await h.api<Array<{ key: string; secret: boolean }>>('GET', `/services/${serviceId}/variables/keys`);
    assert.deepEqual(
      keys.body.filter((k) => k.secret).map((k) => k.key),
      ['WEBHOOK_CHECK'],
    );
    // The first deployment creates the project network; the release command runs from the second on.
    await deploy(serviceId);
    const patched = await h.api('PATCH', `/services/${serviceId}`, { releaseCommand: 'node print-env.cjs' });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const deploymentId = await deploy(serviceId);

    const text = (await h.api<{ lines: string[] }>('GET', `/deployments/${deploymentId}/logs`)).body.lines.join('\n');
    assert.match(text, /release \| NODE_ENV=production$/m);
    assert.match(text, /release \| GREETING=hello-from-config$/m);
    assert.match(text, /release \| PAYMENT_API_TOKEN=\[redacted\]$/m);
    assert.match(text, /release \| WEBHOOK_CHECK=\[redacted\]$/m);
    assert.match(text, /release \| db password: \[redacted\]$/m);
    const b64 = Buffer.from(TOKEN).toString('base64');
    for (const secret of [
      TOKEN,
      MARKED,
      DB_PASSWORD,
      b64.slice(0, 16),
      Buffer.from(`user:${TOKEN}`).toString('base64').slice(8, 24),
    ]) {
      assert.ok(!text.includes(secret), `the log shows ${secret}:\n${text}`);
    }
  });
});
