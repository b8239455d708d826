/** server.listen as a promise, with an error that says what to do about a port we may not bind. */
import type { Server } from 'node:http';
import { AppError } from '../errors.js';

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'EACCES' ? ' (ports below 1024 need root or CAP_NET_BIND_SERVICE)' : '';
      reject(
        new AppError('CONFIG_INVALID', `the app proxy cannot listen on ${host}:${port}: ${error.code}${hint}`, {
          cause: error,
        }),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
