/** The Dockerfile fixture by hand through the Docker CLI (build, run, first 200): a same-run baseline. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/daemon-process.js';
import { RUN_ID, TEST_IMAGES, TEST_RUN_LABEL } from '../../test/helpers/docker-test-env.js';
import { docker } from './docker-cli.js';
import { waitForAnswer } from './first-answer.js';

/** Writes VERSION, builds, runs on a loopback port, waits for the answer; returns ms per step. Tags go to `tags`. */
export async function plainDockerDeploy(dir: string, version: string, tags: string[]): Promise<Record<string, number>> {
  await writeFile(join(dir, 'VERSION'), `${version}\n`);
  const tag = `berth-bench/dockerfile-app:${RUN_ID}-${version}`;
  const label = `${TEST_RUN_LABEL}=${RUN_ID}`;
  const port = await freePort();
  const startedAt = Date.now();
  await docker(['build', '-t', tag, '--build-arg', `BASE_IMAGE=${TEST_IMAGES.node}`, '--label', label, dir]);
  tags.push(tag);
  const name = `berth-bench-${RUN_ID}-${version}`;
  await docker(['run', '-d', '--name', name, '--label', label, '-p', `127.0.0.1:${port}:3000`, tag]);
  const answeredAt = await waitForAnswer({ port, host: `127.0.0.1:${port}`, expected: version, timeoutMs: 120_000 });
  await docker(['rm', '-f', name]);
  return { total: answeredAt - startedAt };
}
