import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContainerWatch } from '../../src/deploys/container-watch.js';
import type { ContainerSummary } from '../../src/runtime/runtime.js';

/** An engine that lists the given containers; nothing else is asked of it by look(). */
function engineListing(containers: ContainerSummary[]) {
  return {
    state: () => ({ available: true as const, since: new Date().toISOString() }),
    listContainers: async () => containers,
    inspectContainer: async () => undefined,
    containerEvents: async () => undefined,
  };
}

const app = (id: string, state: ContainerSummary['state']): ContainerSummary => ({
  id,
  name: id,
  image: 'x',
  state,
  labels: { 'berth.managed': 'true', 'berth.deployment': 'dep_1', 'berth.service': 'svc_1' },
});

describe('container watch', () => {
  it('marks stopped app containers down, but not one a deploy has created and not started yet', async () => {
    let reported: string[] = [];
    const watch = new ContainerWatch(
      engineListing([
        app('new', 'created'),
        app('live', 'running'),
        app('crashed', 'exited'),
        app('loop', 'restarting'),
      ]),
      { setUnavailable: (ids) => (reported = [...ids].sort()) },
      { warn: () => undefined },
    );
    await watch.look();
    // Before the fix, 'new' was down too and stayed out of its route for 2 s after the switch (503s).
    assert.deepEqual(reported, ['crashed', 'loop']);
  });

  it('reports a worker process that stopped as a crash of its service', async () => {
    const told: Array<[string, string]> = [];
    const worker = app('worker-1', 'exited');
    worker.labels = { ...worker.labels, 'berth.role': 'worker', 'berth.process': 'worker', 'berth.replica': '1' };
    const watch = new ContainerWatch(
      engineListing([app('web-1', 'running'), worker]),
      { setUnavailable: () => undefined },
      { warn: () => undefined },
      60_000,
      (serviceId, state) => told.push([serviceId, state]),
    );
    await watch.look();
    assert.deepEqual(told, [['svc_1', 'crashed']]);
  });
});
