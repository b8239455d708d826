/**
 * A refused upload is answered while the client is still sending, and the client gets to read that answer:
 * the server reads and throws away the rest (bounded) instead of closing a socket with unread bytes, which
 * makes the kernel send a reset that can overtake the 413 (a CI run's `berth up` test saw "fetch failed"
 * instead of its 413). A raw socket keeps sending after the answer arrived and must not be reset.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { tarOf } from '../helpers/raw-tar.js';
import { LINGER_BYTES } from '../../src/http/linger-after-answer.js';
import { seedAdmin, tokenFor } from '../helpers/accounts.js';

const MB = 1024 * 1024;
/** A real archive (stored, not compressed) well over the 1 MB cap; past its end the body is filler. */
const noise = Buffer.from(Array.from({ length: 3 * MB }, (_, i) => (i * 7919) % 251));
const archive = gzipSync(tarOf([{ name: 'noise', body: noise }]), { level: 0 });
const bodyBytes = (offset: number, length: number) => {
  const out = Buffer.alloc(length, 7);
  if (offset < archive.length) archive.copy(out, 0, offset, Math.min(archive.length, offset + length));
  return out;
};

describe('a refused upload lets the client read its answer', () => {
  let t: TestApp;
  let token: string;
  let port: number;
  let pushedId: string;
  let imageId: string;
  before(async () => {
    t = await createTestApp({ env: { BERTH_UPLOAD_MAX_MB: '1' } });
    token = await tokenFor(t.db, (await seedAdmin(t.db)).id);
    const project = await t.ctx.projects.create('uploads');
    pushedId = (
      await t.ctx.projects.createService(project.id, { name: 'app', source: { type: 'push', branch: 'main' } })
    ).id;
    imageId = (
      await t.ctx.projects.createService(project.id, { name: 'img', source: { type: 'image', image: 'nginx:1' } })
    ).id;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(() => t.close());

  /**
   * Sends the head, then body bytes in 64 KB steps (at most `total`) until `afterAnswer` bytes went out after
   * the answer arrived: the client is still sending when answered, however slow the server is to answer.
   */
  async function sendAfterAnswer(serviceId: string, total: number, chunked: boolean, afterAnswer: number) {
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    let problem: Error | undefined;
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', (error) => (problem = error));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /api/v1/services/${serviceId}/uploads HTTP/1.1\r\nhost: localhost\r\n` +
        `authorization: Bearer ${token}\r\ncontent-type: application/gzip\r\n` +
        (chunked ? 'transfer-encoding: chunked\r\n' : `content-length: ${total}\r\n`) +
        '\r\n',
    );
    const step = 64 * 1024;
    const write = (data: Buffer) =>
      new Promise<void>((resolve) => {
        if (socket.destroyed) return resolve();
        const framed = chunked
          ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')])
          : data;
        if (socket.write(framed)) resolve();
        else socket.once('drain', () => resolve());
        socket.once('close', () => resolve());
      });
    let sent = 0;
    let sentAfterAnswer = 0;
    const deadline = Date.now() + 15_000;
    while (sent < total && sentAfterAnswer < afterAnswer && !socket.destroyed && Date.now() < deadline) {
      const answered = answer.includes('\r\n\r\n');
      await write(bodyBytes(sent, step));
      sent += step;
      if (answered) sentAfterAnswer += step;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    if (chunked && !socket.destroyed) socket.write('0\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.destroy();
    return { answer, problem, sentAfterAnswer };
  }

  it('a body streamed past the cap: 413, and the socket is not reset while the client sends the rest', async () => {
    const { answer, problem, sentAfterAnswer } = await sendAfterAnswer(pushedId, 24 * MB, true, MB);
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /larger than 1 MB/);
    assert.equal(problem, undefined, `the connection was reset: ${problem?.message}`);
    assert.ok(sentAfterAnswer >= MB, `the connection ended ${sentAfterAnswer} bytes after the answer`);
  });

  it('a declared size over the cap: 413 before the body is read, and no reset while the client sends it', async () => {
    const { answer, problem, sentAfterAnswer } = await sendAfterAnswer(pushedId, 16 * MB, false, MB);
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.equal(problem, undefined, `the connection was reset: ${problem?.message}`);
    assert.ok(sentAfterAnswer >= MB, `the connection ended ${sentAfterAnswer} bytes after the answer`);
  });

  it('a service that cannot take uploads: 422, and no reset while the client sends its archive', async () => {
    const { answer, problem, sentAfterAnswer } = await sendAfterAnswer(imageId, 24 * MB, true, MB);
    assert.match(answer, /^HTTP\/1\.1 422 /);
    assert.equal(problem, undefined, `the connection was reset: ${problem?.message}`);
    assert.ok(sentAfterAnswer >= MB, `the connection ended ${sentAfterAnswer} bytes after the answer`);
  });

  it('a client that never stops sending is cut off (bounded), not read forever', async () => {
    const started = Date.now();
    const { answer, sentAfterAnswer } = await sendAfterAnswer(pushedId, 400 * MB, true, Infinity);
    assert.match(answer, /^HTTP\/1\.1 413 /);
    console.log(
      `cut off after ${Math.round(sentAfterAnswer / MB)} MB sent past the answer, ${Date.now() - started} ms`,
    );
    assert.ok(sentAfterAnswer < 2 * LINGER_BYTES, `the server read ${sentAfterAnswer} bytes after answering`);
    assert.ok(Date.now() - started < 14_000);
  });
});
