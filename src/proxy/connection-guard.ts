/**
 * Caps open client connections per IP address, so one host (a slowloris, a broken client in a loop)
 * cannot take every connection the proxy can hold. Counted per connection, never per request; a
 * connection over the cap is closed before any byte is read (before the TLS handshake on HTTPS).
 * The total cap is Node's own server.maxConnections.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';

const kAddress = Symbol('berth.clientAddress');
const kGuard = Symbol('berth.connectionGuard');
type CountedSocket = Socket & { [kAddress]?: string; [kGuard]?: ConnectionGuard };

export class ConnectionGuard {
  private readonly perAddress = new Map<string, number>();
  /** Connections refused since the last warning, so a flood makes one log line a minute, not thousands. */
  private refusedSinceWarning = 0;
  private lastWarningAt = 0;

  constructor(
    private readonly maxPerAddress: number,
    private readonly logger: Logger,
  ) {}

  /** The server's 'connection' listener. */
  readonly admit = (socket: Socket): void => {
    const address = socket.remoteAddress;
    if (address === undefined) return; // already gone
    const open = this.perAddress.get(address) ?? 0;
    if (open >= this.maxPerAddress) {
      socket.destroy();
      this.noteRefused(address);
      return;
    }
    this.perAddress.set(address, open + 1);
    (socket as CountedSocket)[kAddress] = address;
    (socket as CountedSocket)[kGuard] = this;
    socket.once('close', releaseConnection);
  };

  openFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  release(address: string): void {
    const open = (this.perAddress.get(address) ?? 1) - 1;
    if (open > 0) this.perAddress.set(address, open);
    else this.perAddress.delete(address); // the map holds only addresses with open connections
  }

  private noteRefused(address: string): void {
    this.refusedSinceWarning++;
    const now = Date.now();
    if (now - this.lastWarningAt < 60_000) return;
    this.logger.warn(
      { address, limit: this.maxPerAddress, refused: this.refusedSinceWarning },
      'too many connections from one address; closing the extra ones',
    );
    this.lastWarningAt = now;
    this.refusedSinceWarning = 0;
  }
}

function releaseConnection(this: CountedSocket): void {
  this[kGuard]!.release(this[kAddress]!);
}
