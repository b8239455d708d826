import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decideEngineSetup,
  engineInstallSteps,
  missingEngineMessage,
  type HostFacts,
} from '../../src/doctor/engine-setup.js';
import { resolveLogFormat } from '../../src/logger.js';

const debianRoot: HostFacts = { isRoot: true, osIds: ['ubuntu', 'debian'], hasSystemd: true };

describe('first run without a Docker engine', () => {
  it('installs only when asked, as root, on Debian or Ubuntu, and only when no engine answers', () => {
    assert.deepEqual(decideEngineSetup(true, true, debianRoot), { action: 'none' });
    assert.deepEqual(decideEngineSetup(false, true, debianRoot), { action: 'install' });
    assert.deepEqual(decideEngineSetup(false, false, debianRoot), { action: 'explain' });
    assert.deepEqual(decideEngineSetup(false, true, { ...debianRoot, isRoot: false }), {
      action: 'explain',
      why: '--install-docker needs root',
    });
    assert.deepEqual(decideEngineSetup(false, true, { ...debianRoot, osIds: ['fedora'] }), {
      action: 'explain',
      why: '--install-docker knows Debian and Ubuntu only',
    });
  });

  it('runs what scripts/install.sh runs: docker.io from the distribution, started by systemd or as dockerd', () => {
    assert.deepEqual(engineInstallSteps(debianRoot), [
      { command: 'apt-get', args: ['update', '-qq'] },
      { command: 'apt-get', args: ['install', '-y', '-qq', '--no-install-recommends', 'docker.io'] },
      { command: 'systemctl', args: ['enable', '--now', 'docker'] },
    ]);
    assert.deepEqual(engineInstallSteps({ ...debianRoot, hasSystemd: false }).at(-1), {
      command: 'dockerd',
      args: [],
      detached: true,
    });
  });

  it('says in one line what is missing and the fix that fits the machine', () => {
    const reason = 'no Docker socket at /var/run/docker.sock';
    const asRoot = missingEngineMessage(reason, debianRoot);
    assert.doesNotMatch(asRoot, /\n/);
    assert.match(asRoot, /^No Docker engine: no Docker socket/);
    assert.match(asRoot, /berth serve --install-docker/);
    assert.match(missingEngineMessage(reason, { ...debianRoot, isRoot: false }), /sudo apt-get install docker\.io/);
    assert.doesNotMatch(missingEngineMessage(reason, { ...debianRoot, osIds: ['arch'] }), /apt-get|install-docker/);
  });

  it('logs pretty on a terminal and JSON elsewhere, unless told', () => {
    assert.equal(resolveLogFormat('auto', true), 'pretty');
    assert.equal(resolveLogFormat('auto', false), 'json');
    assert.equal(resolveLogFormat('json', true), 'json');
    assert.equal(resolveLogFormat('pretty', false), 'pretty');
  });
});
