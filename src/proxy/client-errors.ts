/**
 * Malformed or too slow clients (Node's 'clientError'): an error page when the socket can still take one
 * (431 header overflow, 408 request timeout, 400 otherwise), silence for resets and broken pipes.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';
import { writeProxyPageToSocket, type ProxyStatus } from './error-pages.js';

export function clientErrorHandler(logger: Logger): (error: NodeJS.ErrnoException, socket: Socket) => void {
  return (error, socket) => {
    const code = error.code;
    if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status: ProxyStatus = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    logger.debug({ code, status }, 'client error');
    const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    writeProxyPageToSocket(socket, status, current?.headersSent === true);
  };
}
