import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { TEST_IMAGES } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

let h: Harness;
let git: GitServer;
before(async () => {
  git = await startGitServer();
  h = await startHarness({ BERTH_STABILISATION_SECONDS: '1' });
});
after(async () => {
  await h?.close();
  await git?.close();
});
it('concurrent requests', async () => {
  const repo = await git.createRepo('race-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
  const project = await h.api<{ id: string }>('POST', '/projects', { name: 'race' });
  const service = await h.api<{ id: string }>('POST', `/projects/${project.body.id}/services`, {
    name: 'web', source: { type: 'git', url: repo.url, branch: 'main' }, port: 3000,
    build: { buildArgs: { BASE_IMAGE: TEST_IMAGES.node } },
  });
  for (let round = 0; round < 5; round++) {
    const ids = await Promise.all([1, 2, 3].map(() => h.api<{ id: string }>('POST', `/services/${service.body.id}/deployments`)));
    const done = await Promise.all(ids.map((r) => h.waitForDeployment(r.body.id)));
    console.log(round, done.map((d) => `${d.status}/${d.startedAt ? 'ran' : 'never'}`).join(' '));
  }
});
