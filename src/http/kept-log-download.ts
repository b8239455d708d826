/**
 * Sends a kept runtime log (a deployment's, or one run of a database) as a text file. Shared by the API and
 * the panel. The log is read page by page and written only as fast as the client takes it, so memory stays
 * flat however long the log; a client that goes away ends the reading.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeptLogs } from '../kept-logs/kept-logs.service.js';

/** `fileName` goes into a header: callers pass validated names and ids only. `stream`: stdout, stderr or all. */
export async function sendKeptLog(
  request: FastifyRequest,
  reply: FastifyReply,
  kept: KeptLogs,
  runId: string,
  fileName: string,
  stream?: string,
): Promise<FastifyReply> {
  // Before any header: a bad stream filter is still answered as an error (422).
  const chunks = kept.download(runId, { stream });
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'content-disposition': `attachment; filename="${fileName}"`,
    'cache-control': 'no-store',
  });
  for await (const chunk of chunks) {
    if (request.raw.destroyed || raw.destroyed) break;
    if (!raw.write(chunk)) await drainedOrClosed(raw);
  }
  raw.end();
  return reply;
}

/** Waits for room in the socket's buffer, or for the socket to close (then no 'drain' would ever come). */
function drainedOrClosed(raw: FastifyReply['raw']): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.once('drain', done);
    raw.once('close', done);
  });
}
