/**
 * How the Kubernetes client's failures reach Berth: as AppErrors with the codes of the one error map
 * (KUBERNETES_UNAVAILABLE 503, KUBERNETES_ERROR 502 with the API's own message, KUBERNETES_ROLLOUT_TIMEOUT
 * 504), a missing object as `undefined`. Against a loopback HTTP server that answers as the API server does.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAppError, type ErrorCode } from '../../src/errors.js';
import { statusOf } from '../../src/http/plugins/error-handler.js';
import { createKubernetesClient } from '../../src/runtime/kubernetes/client.js';

const status = (code: number, message: string) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code });

const kubeconfig = (server: string) => `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t0k3n}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;

function isCode(code: ErrorCode, message: RegExp) {
  return (error: unknown) => isAppError(error) && error.code === code && message.test(error.message);
}

describe('kubernetes client errors', () => {
  let dir: string;
  let server: http.Server;
  let url: string;
  const seen: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-kube-client-'));
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.setHeader('content-type', 'application/json');
      // Discovery: where server-side apply learns that Deployments are namespaced.
      if (req.url === '/apis/apps/v1')
        return res.end(
          JSON.stringify({
            kind: 'APIResourceList',
            groupVersion: 'apps/v1',
            resources: [{ name: 'deployments', namespaced: true, kind: 'Deployment', verbs: ['patch'] }],
          }),
        );
      if (req.url === '/version') return res.writeHead(401).end(status(401, 'Unauthorized'));
      if (req.url?.startsWith('/apis/apps/v1/namespaces/ns/deployments/gone'))
        return res.writeHead(404).end(status(404, 'deployments.apps "gone" not found'));
      return res.writeHead(422).end(status(422, 'Deployment.apps "web" is invalid: spec.selector: field is immutable'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('the three codes have their HTTP statuses in the one error map', () => {
    assert.equal(statusOf('KUBERNETES_UNAVAILABLE'), 503);
    assert.equal(statusOf('KUBERNETES_ERROR'), 502);
    assert.equal(statusOf('KUBERNETES_ROLLOUT_TIMEOUT'), 504);
  });

  it('an unreadable kubeconfig, and an API nobody answers at, are KUBERNETES_UNAVAILABLE', async () => {
    assert.throws(
      () => createKubernetesClient(join(dir, 'missing')),
      isCode('KUBERNETES_UNAVAILABLE', /^Kubernetes credentials could not be read: /),
    );
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await writeFile(join(dir, 'closed'), kubeconfig(`http://127.0.0.1:${port}`));
    await assert.rejects(
      createKubernetesClient(join(dir, 'closed')).version(),
      isCode('KUBERNETES_UNAVAILABLE', /^Kubernetes is unavailable \(read its version\): .*ECONNREFUSED/),
    );
  });

  it('refused credentials are KUBERNETES_UNAVAILABLE; the token is sent as a bearer token', async () => {
    await writeFile(join(dir, 'config'), kubeconfig(url));
    await assert.rejects(
      createKubernetesClient(join(dir, 'config')).version(),
      isCode('KUBERNETES_UNAVAILABLE', /^Kubernetes refused Berth's credentials \(read its version\)$/),
    );
    assert.ok(seen.includes('GET /version Bearer t0k3n'), seen.join('\n'));
  });

  it("an API error is KUBERNETES_ERROR with the API's own message; a missing object is undefined", async () => {
    const client = createKubernetesClient(join(dir, 'config'));
    await assert.rejects(
      client.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns' } }),
      isCode(
        'KUBERNETES_ERROR',
        /^Kubernetes could not apply Deployment web: Deployment.apps "web" is invalid: spec.selector: field is immutable$/,
      ),
    );
    const apply = seen.find((line) => line.startsWith('PATCH /apis/apps/v1/namespaces/ns/deployments/web'));
    assert.ok(apply?.includes('fieldManager=berth') && apply.includes('force=true'), apply);
    assert.equal(await client.readDeployment('ns', 'gone'), undefined);
    await assert.rejects(
      client.apply({ apiVersion: 'apps/v1', kind: 'Gizmo', metadata: { name: 'g', namespace: 'ns' } }),
      isCode(
        'KUBERNETES_ERROR',
        /^Kubernetes could not apply Gizmo g: Unrecognized API version and kind: apps\/v1 Gizmo$/,
      ),
    );
  });
});
