/**
 * The git remote on a real `berth serve` process: nobody gets the daemon to read a body before they have
 * shown a token, and only git's own content types are accepted there. Measured from outside: the answer
 * comes while the upload is still being sent, and the daemon's resident memory does not follow the upload.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createAdminToken } from '../helpers/daemon-api.js';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';

const RECEIVE_PACK = '/git/shop/web.git/git-receive-pack';
const UPLOAD_BYTES = 64 * 1024 * 1024;

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) / 1024;
}

/**
 * Starts a large upload on a raw socket and keeps sending until the server answers (or everything is
 * sent). Returns the status line's code and how many body bytes had been written when the answer came.
 * Write errors after the answer are expected: the server closes a refused upload's connection.
 */
function uploadUntilAnswered(
  daemon: DaemonProcess,
  headers: Record<string, string>,
): Promise<{ status: number; sentBytes: number }> {
  const { hostname, port } = new URL(daemon.baseUrl);
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answer = '';
    let status = 0;
    const chunk = Buffer.alloc(256 * 1024, 0x7b);
    const socket = net.connect(Number(port), hostname);
    const finish = () => {
      socket.destroy();
      if (status) resolve({ status, sentBytes });
      else reject(new Error(`no answer after ${sentBytes} bytes: ${answer.slice(0, 200)}`));
    };
    socket.on('data', (data: Buffer) => {
      answer += data.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (match && !status) {
        status = Number(match[1]);
        finish();
      }
    });
    socket.on('error', () => setTimeout(finish, 200));
    socket.on('close', () => setTimeout(finish, 200));
    const head = Object.entries({ ...headers, host: `${hostname}:${port}`, 'content-length': String(UPLOAD_BYTES) })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`POST ${RECEIVE_PACK} HTTP/1.1\r\n${head}\r\n`);
    const pump = () => {
      while (!status && !socket.destroyed && sentBytes < UPLOAD_BYTES) {
        sentBytes += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

describe('git remote: authentication before the body', () => {
  let daemon: DaemonProcess;
  let token: string;

  before(async () => {
    daemon = await startDaemonProcess();
    token = await createAdminToken(daemon.dataDir);
    // The repository exists: the refusals below are about the request, not a missing (or unshared) service.
    const api = async (path: string, body: object) => {
      const response = await fetch(`${daemon.baseUrl}/api/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 201, await response.clone().text());
      return (await response.json()) as { id: string };
    };
    const project = await api('/projects', { name: 'shop' });
    await api(`/projects/${project.id}/services`, { name: 'web', source: { type: 'push', branch: 'main' } });
  });
  after(async () => {
    await daemon?.stop();
  });

  it('refuses an unauthenticated JSON upload with 401 before it is sent, without the daemon buffering it', async () => {
    const rssBefore = rssMb(daemon.child.pid!);
    const result = await uploadUntilAnswered(daemon, { 'content-type': 'application/json' });
    const grownMb = rssMb(daemon.child.pid!) - rssBefore;
    assert.equal(result.status, 401);
    assert.ok(
      result.sentBytes < UPLOAD_BYTES,
      `answered only after the whole ${UPLOAD_BYTES / 1024 / 1024} MB upload was sent (it was read first)`,
    );
    assert.ok(grownMb < 32, `the daemon grew by ${Math.round(grownMb)} MB during a refused upload`);
  });

  it('refuses an unauthenticated git upload with 401 before it is sent', async () => {
    const result = await uploadUntilAnswered(daemon, { 'content-type': 'application/x-git-receive-pack-request' });
    assert.equal(result.status, 401);
    assert.ok(result.sentBytes < UPLOAD_BYTES);
  });

  it('answers 415 to an authenticated upload that is not a git request', async () => {
    const auth = `Basic ${Buffer.from(`git:${token}`).toString('base64')}`;
    for (const type of ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
      const response = await fetch(`${daemon.baseUrl}${RECEIVE_PACK}`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': type },
        body: '{"a":1}',
      });
      assert.equal(response.status, 415, `${type} is refused as an unsupported media type`);
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });
});
