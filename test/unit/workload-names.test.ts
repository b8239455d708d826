/**
 * The names of Berth's Docker objects: exactly these for given inputs, and valid for the engine for every
 * project, service and database name the allow-list lets through (src/projects/names.ts) and every id
 * shape (src/lib/ids.ts). The patterns are the engine's own: container and volume names
 * `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, image references per the distribution grammar (lowercase path
 * components, a tag of up to 128 word characters, 255 characters in all), aliases DNS labels.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId } from '../../src/lib/ids.js';
import { describeNameProblem } from '../../src/projects/names.js';
import {
  appContainerName,
  builtImageTag,
  databaseContainerName,
  databaseVolumeName,
  previousDatabaseContainerName,
  previousSelfContainerName,
  projectNetworkName,
  releaseContainerName,
  throwawayContainerName,
  upgraderContainerName,
} from '../../src/workloads/names.js';

const DOCKER_OBJECT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_REFERENCE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*:[\\w][\\w.-]{0,127}$`);
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Names at the edges of what the allow-list accepts. */
const EDGE_NAMES = ['a', 'a1', 'x-y', 'a-1-b-2-c-3', 'z'.repeat(63), `a${'-b'.repeat(31)}`, `q${'9'.repeat(62)}`];
/** Ids at the edges of the id alphabet, and random ones. */
const EDGE_IDS = (prefix: string) => [
  `${prefix}_000000000000`,
  `${prefix}_zzzzzzzzzzzz`,
  newId(prefix),
  newId(prefix),
  newId(prefix),
];

describe('workload names', () => {
  it('are exactly these', () => {
    assert.equal(projectNetworkName('prj_0123456789ab'), 'berth-prj_0123456789ab');
    assert.equal(appContainerName('shop', 'web', 'dep_k7m2x9q4b8c1', 3), 'berth-shop-web-k7m2x9q4-3');
    assert.equal(releaseContainerName('dep_k7m2x9q4b8c1'), 'berth-release-k7m2x9q4b8c1');
    assert.equal(databaseContainerName('shop', 'db'), 'berth_shop_db');
    assert.equal(previousDatabaseContainerName('berth_shop_db'), 'berth_shop_db_previous');
    assert.equal(databaseVolumeName('svc_dbdbdbdbdbdb'), 'berth-svc_dbdbdbdbdbdb-data');
    assert.equal(throwawayContainerName('verify', 'svc_dbdbdbdbdbdb', 36 ** 3), 'berth-verify-dbdbdbdbdbdb-1000');
    assert.equal(builtImageTag('svc_abcdefghjkmn', 'dep_k7m2x9q4b8c1'), 'berth/svc_abcdefghjkmn:dep_k7m2x9q4b8c1');
    assert.equal(upgraderContainerName('berth'), 'berth-upgrader');
    assert.equal(previousSelfContainerName('berth'), 'berth-previous');
  });

  it('the edge-case names are ones the allow-list accepts (so the next test covers real inputs)', () => {
    for (const name of EDGE_NAMES) assert.equal(describeNameProblem(name), undefined, name);
  });

  it('are valid Docker names for every edge-case project, service, database name and id', () => {
    const checked: string[] = [];
    for (const projectName of EDGE_NAMES) {
      for (const serviceName of EDGE_NAMES) {
        for (const deploymentId of EDGE_IDS('dep')) {
          checked.push(appContainerName(projectName, serviceName, deploymentId, 1));
          checked.push(appContainerName(projectName, serviceName, deploymentId, 20));
        }
        checked.push(databaseContainerName(projectName, serviceName));
        checked.push(previousDatabaseContainerName(databaseContainerName(projectName, serviceName)));
      }
    }
    for (const id of EDGE_IDS('dep')) checked.push(releaseContainerName(id));
    for (const id of EDGE_IDS('prj')) checked.push(projectNetworkName(id));
    for (const id of EDGE_IDS('svc')) {
      checked.push(databaseVolumeName(id));
      checked.push(throwawayContainerName('verify', id, Date.now()));
    }
    for (const name of checked) assert.match(name, DOCKER_OBJECT_NAME);
    assert.ok(checked.length > 500);
  });

  it('image tags are valid image references for every id', () => {
    for (const serviceId of EDGE_IDS('svc')) {
      for (const deploymentId of EDGE_IDS('dep')) {
        const tag = builtImageTag(serviceId, deploymentId);
        assert.match(tag, IMAGE_REFERENCE);
        assert.ok(tag.length <= 255);
      }
    }
  });

  it('service and database names are used as network aliases as they are: each is a DNS label', () => {
    for (const name of EDGE_NAMES) assert.match(name, DNS_LABEL);
  });

  it('database containers of different projects never share a name, even when the dashed names line up', () => {
    assert.notEqual(databaseContainerName('x', 'a-b'), databaseContainerName('x-a', 'b'));
  });
});
