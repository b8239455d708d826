/** A replayed pull-request event (same head commit) deploys nothing; a new head commit deploys. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRequestDeploy, type KnownDeployment } from '../../src/previews/pull-request-replay.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

const dep = (id: string, status: string, sha: string | null, createdAt: string): KnownDeployment => ({
  id,
  status,
  commit: sha ? { sha } : null,
  createdAt,
});

describe('pull-request replay decision', () => {
  it('deploys when the branch has no preview yet, or the payload names no full commit', () => {
    assert.deepEqual(decideRequestDeploy({ sha: A }, undefined), { deploy: true });
    assert.deepEqual(decideRequestDeploy({ sha: null }, [dep('d1', 'active', A, '1')]), { deploy: true });
  });

  it('skips a head commit the preview already runs (a replayed "opened")', () => {
    const decision = decideRequestDeploy({ sha: A }, [dep('d1', 'active', A, '1')]);
    assert.deepEqual(decision, { deploy: false, why: `${A.slice(0, 12)} is already running (deployment d1)` });
  });

  it('skips a head commit that is being deployed (a redelivery racing the first one)', () => {
    for (const status of ['queued', 'building', 'watching']) {
      const decision = decideRequestDeploy({ sha: B }, [dep('d1', 'active', A, '1'), dep('d2', status, B, '2')]);
      assert.deepEqual(decision, { deploy: false, why: `${B.slice(0, 12)} is being deployed already (deployment d2)` });
    }
  });

  it('skips a head commit older than the running one (an old "opened" replayed after a "synchronize")', () => {
    const decision = decideRequestDeploy({ sha: A }, [dep('d2', 'active', B, '2'), dep('d1', 'replaced', A, '1')]);
    assert.equal(decision.deploy, false);
    assert.match((decision as { why: string }).why, /is older than the running bbbbbbbbbbbb/);
  });

  it('deploys a new head commit ("synchronize"), also after a failed deploy of the same commit', () => {
    assert.deepEqual(decideRequestDeploy({ sha: C }, [dep('d2', 'active', B, '2'), dep('d1', 'replaced', A, '1')]), {
      deploy: true,
    });
    assert.deepEqual(decideRequestDeploy({ sha: C }, [dep('d2', 'active', B, '2'), dep('d3', 'failed', C, '3')]), {
      deploy: true,
    });
  });
});
