/**
 * Upgrade targets and release checks: a version becomes a tag of the running image's repository
 * (registry ports kept), anything else must be a valid image reference; the release source is asked
 * over real HTTP (a loopback server here), cached, and "unknown" when it does not answer.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { compareVersions, ReleaseChecker } from '../../src/upgrade/release-check.js';
import { resolveTargetImage } from '../../src/upgrade/upgrade-start.js';
import { isUpgradeInProgress } from '../../src/upgrade/upgrade-status.js';

describe('upgrade targets', () => {
  it('turns a version into a tag of the running repository', () => {
    assert.equal(resolveTargetImage('berth/berth:0.1.0', '0.2.0'), 'berth/berth:0.2.0');
    assert.equal(resolveTargetImage('registry.local:5000/berth', 'v1.0.0'), 'registry.local:5000/berth:1.0.0');
    assert.equal(
      resolveTargetImage('berth/berth:0.1.0@sha256:' + 'a'.repeat(64), '0.3.0-rc.1'),
      'berth/berth:0.3.0-rc.1',
    );
  });
  it('takes an image reference as it is, and refuses anything else', () => {
    assert.equal(resolveTargetImage('berth/berth:0.1.0', 'other/berth:edge'), 'other/berth:edge');
    assert.throws(() => resolveTargetImage('berth/berth:0.1.0', '--privileged'), /must not start with "-"/);
    assert.throws(() => resolveTargetImage('berth/berth:0.1.0', 'a b'), /spaces/);
  });
  it('treats a stale "running" record as over', () => {
    const startedAt = new Date(Date.now() - 60 * 60_000).toISOString();
    assert.equal(isUpgradeInProgress({ state: 'running', from: 'a', to: 'b', startedAt, steps: [] }), false);
    const now = new Date().toISOString();
    assert.equal(isUpgradeInProgress({ state: 'running', from: 'a', to: 'b', startedAt: now, steps: [] }), true);
    assert.equal(isUpgradeInProgress({ state: 'rolled-back', from: 'a', to: 'b', startedAt: now, steps: [] }), false);
  });
});

describe('release checks', () => {
  let server: http.Server;
  let url: string;
  let body = '{"version":"0.2.0","image":"berth/berth:0.2.0"}';
  let requests = 0;

  before(async () => {
    server = http.createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/latest.json`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('compares versions, pre-releases before releases', () => {
    assert.equal(compareVersions('0.2.0', '0.1.9'), 1);
    assert.equal(compareVersions('0.1.0', '0.1.0'), 0);
    assert.equal(compareVersions('1.0.0-rc.1', '1.0.0'), -1);
    assert.equal(compareVersions('0.10.0', '0.9.0'), 1);
  });

  it('is off without a URL', async () => {
    const checker = new ReleaseChecker(undefined, '0.1.0');
    assert.equal(checker.enabled, false);
    assert.equal(await checker.latest(), undefined);
  });

  it('reports a newer version once, then answers from its cache', async () => {
    const checker = new ReleaseChecker(url, '0.1.0');
    const info = await checker.latest();
    assert.equal(info?.version, '0.2.0');
    assert.equal(info?.newer, true);
    assert.equal(info?.image, 'berth/berth:0.2.0');
    await checker.latest();
    assert.equal(requests, 1);
    assert.equal((await new ReleaseChecker(url, '0.2.0').latest())?.newer, false);
  });

  it('is "unknown" for a source that does not answer or answers nonsense', async () => {
    body = '{"version":"latest"}';
    assert.equal(await new ReleaseChecker(url, '0.1.0').latest(), undefined);
    const closed = new ReleaseChecker('http://127.0.0.1:1/latest.json', '0.1.0');
    assert.equal(await closed.latest(), undefined);
  });
});
