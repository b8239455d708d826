/**
 * A build that fails because the engine lost a cached parent layer meanwhile ("unknown parent image ID":
 * another image's removal took it; seen in a full test run when one file's clean-up removed a buildpack
 * layer another file's build was committing on) is run once more; any other build failure is not retried.
 * The race itself depends on the engine's timing (a COPY step committing on an untagged layer while the
 * last image using it is removed), so the engine's answers are played back here from a stand-in client
 * that speaks the build API's JSON message stream; buildImage and its message reader are the real code.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { DockerClient } from '../../src/runtime/docker/client.js';
import { buildImage } from '../../src/runtime/docker/image-build.js';

const LOST_PARENT =
  'failed to export image: failed to set parent sha256:18844f2042b7: unknown parent image ID sha256:18844f2042b7';

function engine(answers: string[][]): { client: DockerClient; builds: () => number } {
  let builds = 0;
  const client = {
    buildImage: async (context: Readable) => {
      context.resume();
      const messages = answers[Math.min(builds, answers.length - 1)]!;
      builds += 1;
      return Readable.from(messages.map((m) => `${m}\r\n`));
    },
  } as unknown as DockerClient;
  return { client, builds: () => builds };
}

const ok = [
  '{"stream":"Step 1/2 : FROM x\\n"}',
  '{"aux":{"ID":"sha256:abc"}}',
  '{"stream":"Successfully built abc\\n"}',
];
const lost = [
  '{"stream":"Step 6/16 : COPY . .\\n"}',
  JSON.stringify({ errorDetail: { message: LOST_PARENT }, error: LOST_PARENT }),
];
const broken = [
  '{"stream":"Step 3/4 : RUN false\\n"}',
  JSON.stringify({ errorDetail: { message: 'exit code 1' }, error: 'exit code 1' }),
];

describe('a build whose cached parent layer was removed meanwhile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-lost-parent-'));
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const options = (lines: string[]) => ({
    contextDir: dir,
    dockerfile: 'Dockerfile',
    tag: 'berth-test/x:1',
    labels: {},
    onLine: (line: string) => lines.push(line),
  });

  it('is built again once, says so, and succeeds', async () => {
    const { client, builds } = engine([lost, ok]);
    const lines: string[] = [];
    await buildImage(client, options(lines));
    assert.equal(builds(), 2);
    assert.ok(lines.some((l) => l.includes('A cached layer of this build was removed meanwhile')));
  });

  it('fails when it happens twice in a row (no endless retry)', async () => {
    const { client, builds } = engine([lost, lost]);
    await assert.rejects(buildImage(client, options([])), /unknown parent image ID/);
    assert.equal(builds(), 2);
  });

  it('does not retry the build’s own failure', async () => {
    const { client, builds } = engine([broken, ok]);
    await assert.rejects(buildImage(client, options([])), /build failed: exit code 1/);
    assert.equal(builds(), 1);
  });
});
