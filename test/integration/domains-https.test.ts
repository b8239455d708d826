/**
 * Custom domains with HTTPS against a real ACME CA: Pebble + pebble-challtestsrv on loopback, HTTP-01
 * validated against Berth's own proxy port, a real app deployed from git on the Docker engine. One daemon
 * for the file; the tests build on each other in order. Retry and renewal timing is shortened through the
 * daemon's internal options so the file runs in about a minute.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFixtureService } from '../helpers/daemon-api.js';
import { freePort } from '../helpers/daemon-process.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { hasPebble, startPebble, type Pebble } from '../helpers/pebble.js';
import { getOver, tlsProbe, until } from '../helpers/tls-client.js';

const APP = 'app.berth.test';
const LATE = 'late.berth.test';
const PANEL = 'panel.berth.test';

interface DomainBody {
  id: string;
  hostname: string;
  certificate: {
    status: string;
    serving: string;
    issuer: string | null;
    lastError: string | null;
    failures: number;
    lastAttemptAt: string | null;
    notAfter: string | null;
  };
}

describe(
  'custom domains with HTTPS from an ACME CA (Pebble)',
  { skip: hasPebble() ? false : 'pebble is not installed (scripts/test-env.sh installs it)' },
  () => {
    let h: Harness;
    let git: GitServer;
    let pebble: Pebble;
    let httpPort: number;
    let httpsPort: number;
    let serviceId: string;
    let appDomainId: string;
    let firstSerial: string;

    const domain = async (id: string) => (await h.api<DomainBody>('GET', `/domains/${id}`)).body;
    const waitIssued = (id: string, after?: string) =>
      until(
        async () => `certificate of ${id}: ${JSON.stringify(await domain(id))}`,
        async () => {
          const d = await domain(id);
          const isNew = d.certificate.serving === 'issued' && (after === undefined || d.certificate.notAfter !== after);
          return isNew ? d : undefined;
        },
      );

    before(async () => {
      httpPort = await freePort();
      httpsPort = await freePort();
      pebble = await startPebble({ httpPort });
      git = await startGitServer();
      const repo = await git.createRepo('tls-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
      h = await startHarness(
        {
          BERTH_HTTP_PORT: String(httpPort),
          BERTH_HTTPS_PORT: String(httpsPort),
          BERTH_ACME_DIRECTORY: pebble.directoryUrl,
          BERTH_ACME_CA_FILE: pebble.caFile,
          BERTH_DNS_RESOLVER: pebble.dnsServer,
          BERTH_PUBLIC_IPS: '127.0.0.1',
          BERTH_PANEL_DOMAIN: PANEL,
          // Failed orders are expected here (the CA is stopped on purpose): keep their warnings out of the output.
          BERTH_LOG_LEVEL: 'error',
        },
        {
          certificateTiming: {
            retryBaseMs: 400,
            retryMaxMs: 3200,
            checkSchedule: '* * * * * *',
            pollMinMs: 100,
            pollMaxMs: 500,
          },
        },
      );
      ({ serviceId } = await createFixtureService(h.api, { project: 'tls', service: 'web', repoUrl: repo.url }));
      const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
      const deployment = await h.waitForDeployment(created.body.id);
      assert.equal(deployment.status, 'active', String(deployment.error));
    });
    after(async () => {
      await h?.close();
      await git?.close();
      await pebble?.close();
    });

    it('refuses invalid domains with 400 and taken ones with 409', async () => {
      for (const hostname of [
        '127.0.0.1',
        'localhost',
        'bad host.test',
        'a\r\nb.test',
        `${'x'.repeat(64)}.test`,
        'http://x.test',
      ]) {
        const res = await h.api<{ error: { code: string } }>('POST', `/services/${serviceId}/domains`, { hostname });
        assert.equal(res.status, 422, `${JSON.stringify(hostname)}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'VALIDATION_FAILED');
      }
      const panel = await h.api<{ error: { code: string } }>('POST', `/services/${serviceId}/domains`, {
        hostname: PANEL.toUpperCase(),
      });
      assert.equal(panel.status, 409);
      assert.equal(panel.body.error.code, 'HOSTNAME_TAKEN');
    });

    it('issues a certificate through its own challenge responder when a domain is added, and serves the app over HTTPS', async () => {
      const added = await h.api<DomainBody[]>('POST', `/services/${serviceId}/domains`, {
        hostname: `${APP.toUpperCase()}.`,
        hsts: true,
      });
      assert.equal(added.status, 201, JSON.stringify(added.body));
      assert.equal(added.body[0]!.hostname, APP);
      appDomainId = added.body[0]!.id;
      const again = await h.api('POST', `/services/${serviceId}/domains`, { hostname: APP });
      assert.equal(again.status, 409);

      const issued = await waitIssued(appDomainId);
      assert.match(String(issued.certificate.issuer), /Pebble/i);
      assert.equal(issued.certificate.lastError, null);

      const roots = await pebble.roots();
      const probe = await tlsProbe(httpsPort, APP, roots);
      assert.ok(probe.ok && probe.authorized, `TLS handshake verified against Pebble's root: ${probe.error}`);
      firstSerial = probe.serial!;
      const res = await getOver(true, httpsPort, APP, '/', roots);
      assert.equal(res.status, 200);
      assert.equal(res.body, 'v1');
      assert.equal(res.headers['strict-transport-security'], 'max-age=31536000');
    });

    it('redirects plain HTTP to HTTPS with 308, except ACME challenge paths', async () => {
      const res = await getOver(false, httpPort, APP, '/some/path?q=1');
      assert.equal(res.status, 308);
      assert.equal(res.headers.location, `https://${APP}:${httpsPort}/some/path?q=1`);
      const challenge = await getOver(false, httpPort, APP, '/.well-known/acme-challenge/unknown-token');
      assert.notEqual(challenge.status, 308);
    });

    it('answers unknown hosts with 404 and orders nothing for them', async () => {
      const unknown = await getOver(false, httpPort, 'unknown.berth.test', '/');
      assert.equal(unknown.status, 404);
      const probe = await tlsProbe(httpsPort, 'unknown.berth.test');
      assert.ok(probe.ok, 'HTTPS answers unknown names with the fallback certificate');
      assert.doesNotMatch(String(probe.issuer), /Pebble/i);
      const rows = await h.api<DomainBody[]>('GET', `/services/${serviceId}/domains`);
      assert.deepEqual(
        rows.body.map((d) => d.hostname),
        [APP],
      );
      // Pebble logs the names it validates: ours are there, the unknown one is not.
      assert.match(pebble.log(), /app\.berth\.test/);
      // Pebble logs the names it validates: ours are there, the unknown one is not.
      assert.match(pebble.log(), /app\.berth\.test/);
      assert.doesNotMatch(pebble.log(), /unknown\.berth\.test/);
    });

    it('checks DNS against the server addresses through the configured resolver', async () => {
      const here = await h.api<{ verdict: string; addresses: string[] }>('GET', `/domains/${appDomainId}/dns`);
      assert.equal(here.status, 200);
      assert.equal(here.body.verdict, 'points-here');
      assert.deepEqual(here.body.addresses, ['127.0.0.1']);

      await pebble.addARecord('elsewhere.berth.test', '127.0.0.2');
      const added = await h.api<DomainBody[]>('POST', `/services/${serviceId}/domains`, {
        hostname: 'elsewhere.berth.test',
      });
      const id = added.body[0]!.id;
      const there = await h.api<{ verdict: string; message: string }>('GET', `/domains/${id}/dns`);
      assert.equal(there.body.verdict, 'points-elsewhere');
      assert.match(there.body.message, /resolves to 127\.0\.0\.2, which is not this server/);
      // Pebble validates at 127.0.0.2, where nothing answers: the order fails with the reason in words.
      const failing = await until('a reason for elsewhere', async () => {
        const body = await domain(id);
        return body.certificate.lastError ? body : undefined;
      });
      assert.match(String(failing.certificate.lastError), /^Port 80 unreachable/);
      assert.equal((await h.api('DELETE', `/domains/${id}`)).status, 204);
    });

    it('serves the panel on BERTH_PANEL_DOMAIN over HTTPS with its own certificate', async () => {
      const roots = await pebble.roots();
      await until('the panel certificate', async () => {
        const probe = await tlsProbe(httpsPort, PANEL, roots);
        return probe.ok && probe.authorized ? probe : undefined;
      });
      const res = await getOver(true, httpsPort, PANEL, '/healthz', roots);
      assert.equal(res.status, 200);
      assert.equal((await getOver(false, httpPort, PANEL, '/healthz')).status, 308);
    });

    it('keeps serving the old certificate while the CA is down, and backs off between retries', async () => {
      await pebble.stop();
      const renew = await h.api<DomainBody>('POST', `/domains/${appDomainId}/renew`);
      assert.equal(renew.status, 202);
      const attempts: number[] = [];
      const started = Date.now();
      while (Date.now() - started < 7000) {
        const d = await domain(appDomainId);
        const at = d.certificate.lastAttemptAt ? Date.parse(d.certificate.lastAttemptAt) : 0;
        if (at >= started - 1000 && !attempts.includes(at)) attempts.push(at);
        await new Promise((r) => setTimeout(r, 50));
      }
      const d = await domain(appDomainId);
      assert.match(String(d.certificate.lastError), /cannot be reached/);
      assert.equal(d.certificate.serving, 'issued');
      // 400 ms doubling: attempts at about 0, 0.4, 1.2, 2.8 and 6 s; a fixed 1 s retry would make 7.
      assert.ok(attempts.length >= 3 && attempts.length <= 6, `attempts: ${attempts.length}`);
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
      // Each gap longer than the one before, and the last well over twice the first (a busy machine stretches
      // the short early gaps, so single steps are not held to the full doubling).
      for (let i = 1; i < gaps.length; i++)
        assert.ok(gaps[i]! > gaps[i - 1]! * 1.2, `growing gaps: ${gaps.join(', ')}`);
      assert.ok(gaps.at(-1)! > gaps[0]! * (gaps.length >= 3 ? 2.5 : 1.5), `growing gaps: ${gaps.join(', ')}`);
      const probe = await tlsProbe(httpsPort, APP);
      assert.equal(probe.serial, firstSerial, 'the old certificate is still served');

      // A domain added while the CA is down answers HTTPS with a self-signed certificate and says why.
      const late = await h.api<DomainBody[]>('POST', `/services/${serviceId}/domains`, { hostname: LATE });
      assert.equal(late.status, 201);
      const failing = await until('a reason for the late domain', async () => {
        const body = await domain(late.body[0]!.id);
        return body.certificate.lastError ? body : undefined;
      });
      assert.equal(failing.certificate.serving, 'self-signed');
      const selfSigned = await tlsProbe(httpsPort, LATE);
      assert.ok(selfSigned.ok);
      assert.match(String(selfSigned.issuer), /Berth/);
    });

    it('renews a short-lived certificate and rotates it with zero failed TLS handshakes', async () => {
      await pebble.start({ validitySeconds: 15 });
      const roots = await pebble.roots();
      const before = await domain(appDomainId);
      await h.api('POST', `/domains/${appDomainId}/renew`);
      await waitIssued(appDomainId, before.certificate.notAfter ?? undefined);
      const serials = new Set<string>();
      const failures: string[] = [];
      let handshakes = 0;
      const started = Date.now();
      // Renewal starts when a third (5 s) of the 15 s is left; the loop stops at the first rotation or after 20 s.
      while (Date.now() - started < 20_000 && handshakes < 3000 && serials.size < 2) {
        const probe = await tlsProbe(httpsPort, APP, roots);
        handshakes++;
        if (!probe.ok || !probe.authorized) failures.push(probe.error ?? 'unauthorized');
        else serials.add(probe.serial!);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(failures, [], `${failures.length} failed of ${handshakes} handshakes`);
      assert.ok(serials.size >= 2, `certificates seen: ${serials.size} over ${handshakes} handshakes`);
    });

    it('still issues when the CA rejects half of the nonces', async () => {
      await pebble.start({ validitySeconds: 3600, nonceRejectPercent: 50 });
      const before = await domain(appDomainId);
      await h.api('POST', `/domains/${appDomainId}/renew`);
      const issued = await waitIssued(appDomainId, before.certificate.notAfter ?? undefined);
      assert.ok(
        Date.parse(issued.certificate.notAfter!) - Date.now() > 1800_000,
        'the long-lived certificate is in place',
      );
      const res = await getOver(true, httpsPort, APP, '/', await pebble.roots());
      assert.equal(res.body, 'v1');
    });

    it('stops routing a removed domain at once', async () => {
      const removed = await h.api('DELETE', `/domains/${appDomainId}`);
      assert.equal(removed.status, 204);
      const res = await getOver(false, httpPort, APP, '/');
      assert.equal(res.status, 404);
    });
  },
);
