import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContainerWatch } from '../../src/deploys/container-watch.js';
import type { Deployment } from '../../src/deploys/deployment.types.js';
import { EventBus, topicsOf, type BerthEvent } from '../../src/events/event-bus.js';
import { appTileStatus, databaseTileStatus } from '../../src/http/routes/ui/project-canvas.js';
import { sseFrame } from '../../src/http/routes/ui/live.routes.js';
import type { ContainerSummary } from '../../src/runtime/runtime.js';

const phase: BerthEvent = { type: 'deployment', deploymentId: 'dep_1', serviceId: 'svc_1', status: 'building' };

describe('event bus', () => {
  it('delivers each event to every subscriber until it unsubscribes', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const stopA = bus.subscribe((e) => seen.push(`a:${e.type}`));
    bus.subscribe((e) => seen.push(`b:${e.type}`));
    bus.publish(phase);
    stopA();
    bus.publish({ type: 'database', databaseId: 'db_1', status: 'running' });
    assert.deepEqual(seen, ['a:deployment', 'b:deployment', 'b:database']);
    assert.equal(bus.listenerCount, 1);
  });

  it('a listener that throws neither stops the others nor the publisher', () => {
    const errors: unknown[] = [];
    const bus = new EventBus((error) => errors.push(error));
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('broken page');
    });
    bus.subscribe((e) => seen.push(e.type));
    bus.publish(phase);
    assert.deepEqual(seen, ['deployment']);
    assert.equal((errors[0] as Error).message, 'broken page');
  });

  it('names the topics a page subscribes to: a deployment concerns its service too', () => {
    assert.deepEqual(topicsOf(phase), ['deployment:dep_1', 'service:svc_1']);
    assert.deepEqual(topicsOf({ type: 'service', serviceId: 'svc_2', state: 'crashed' }), ['service:svc_2']);
    assert.deepEqual(topicsOf({ type: 'certificate', hostname: 'a.example.com', status: 'issued' }), [
      'certificate:a.example.com',
    ]);
    assert.deepEqual(topicsOf({ type: 'backup', backupId: 'bak_1', databaseId: 'svc_db', status: 'verified' }), [
      'backups:svc_db',
    ]);
  });

  it('frames an event as one SSE message on one data line', () => {
    const frame = sseFrame({ ...phase, status: 'fail\nure' } as BerthEvent, ['service:svc_1']);
    assert.match(frame, /^event: deployment\ndata: \{.*\}\n\n$/);
    assert.equal(frame.split('\n').length, 4, 'a newline in a value is escaped by JSON');
  });
});

describe('project canvas status words', () => {
  const deployment = (status: string) => ({ status }) as Deployment;
  const state = (over: Partial<Parameters<typeof appTileStatus>[1]> = {}) => ({
    state: 'running' as const,
    activeDeploymentId: 'dep_0',
    running: 1,
    total: 1,
    problem: null,
    ...over,
  });

  it('says building, deploying, active, crashed, stopped, failed', () => {
    assert.equal(appTileStatus(deployment('fetching'), state()), 'building');
    assert.equal(appTileStatus(deployment('starting'), state()), 'deploying');
    assert.equal(appTileStatus(deployment('active'), state()), 'active');
    assert.equal(appTileStatus(deployment('active'), state({ state: 'crashed' } as never)), 'crashed');
    assert.equal(appTileStatus(deployment('active'), state({ running: 0 })), 'stopped');
    assert.equal(appTileStatus(deployment('failed'), state({ activeDeploymentId: null })), 'failed');
    assert.equal(appTileStatus(undefined, state({ activeDeploymentId: null, total: 0 })), 'not deployed');
    // A failed redeploy leaves the old version serving: the app is still active.
    assert.equal(appTileStatus(deployment('failed'), state()), 'active');
  });

  it('maps database states to the same words', () => {
    assert.equal(databaseTileStatus({ status: 'creating', health: 'starting' }), 'deploying');
    assert.equal(databaseTileStatus({ status: 'running', health: 'healthy' }), 'active');
    assert.equal(databaseTileStatus({ status: 'running', health: 'missing' }), 'crashed');
    assert.equal(databaseTileStatus({ status: 'stopped', health: 'none' }), 'stopped');
    assert.equal(databaseTileStatus({ status: 'failed', health: 'none' }), 'failed');
  });
});

describe('container watch announcements', () => {
  it("tells which service's container crashed, once, and when it runs again", async () => {
    let containers: ContainerSummary[] = [];
    const labels = { 'berth.managed': 'true', 'berth.deployment': 'dep_1', 'berth.service': 'svc_9' };
    const told: string[] = [];
    const watch = new ContainerWatch(
      {
        state: () => ({ available: true as const, since: new Date().toISOString() }),
        listContainers: async () => containers,
        inspectContainer: async () => ({ state: 'running', startedAt: new Date(0).toISOString() }) as never,
        containerEvents: async () => undefined,
      },
      { setUnavailable: () => undefined },
      { warn: () => undefined },
      1000,
      (serviceId, change) => told.push(`${serviceId}:${change}`),
    );
    containers = [{ id: 'c1', name: 'c1', image: 'x', state: 'exited', labels }];
    await watch.look();
    await watch.look();
    containers = [{ id: 'c1', name: 'c1', image: 'x', state: 'running', labels }];
    await watch.look();
    assert.deepEqual(told, ['svc_9:crashed', 'svc_9:running']);
  });
});
