import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createLogger } from '../../src/logger.js';
import { CertificateFiles, certificateInfo } from '../../src/tls/certificate-files.js';
import { createSelfSignedCertificate } from '../../src/tls/self-signed-certificate.js';
import { FALLBACK_NAME, SniContexts } from '../../src/tls/sni-contexts.js';

const logger = createLogger('silent');
const dir = mkdtempSync(join(tmpdir(), 'berth-fallback-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function contextsOn(files: CertificateFiles): SniContexts {
  return new SniContexts(() => false, logger, {
    read: () => files.read(FALLBACK_NAME),
    write: (pair) => files.write(FALLBACK_NAME, pair),
  });
}

describe('the generic fallback certificate', () => {
  const files = new CertificateFiles(join(dir, 'certs'));

  it('is made once, kept with 0600 permissions and served again after a restart', async () => {
    const first = await contextsOn(files).init();
    assert.equal(statSync(join(dir, 'certs', FALLBACK_NAME, 'key.pem')).mode & 0o777, 0o600);
    const second = await contextsOn(files).init();
    assert.equal(certificateInfo(second.certPem).serialNumber, certificateInfo(first.certPem).serialNumber);
  });

  it('is made anew when the kept one is unreadable', async () => {
    const kept = await files.read(FALLBACK_NAME);
    await files.write(FALLBACK_NAME, { certPem: 'not a certificate', keyPem: kept!.keyPem });
    const pair = await contextsOn(files).init();
    assert.equal(certificateInfo(pair.certPem).issuer.includes(FALLBACK_NAME), true);
    assert.notEqual(pair.certPem, 'not a certificate');
  });

  it('makes a 30-day certificate for a served name on demand', async () => {
    const pair = await createSelfSignedCertificate('app.example.com');
    const info = certificateInfo(pair.certPem);
    assert.ok(info.notAfter.getTime() - Date.now() > 29 * 86_400_000);
  });
});
