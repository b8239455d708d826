/**
 * A raw HTTP/2 client for abuse tests: TLS with ALPN h2, the connection preface, then frames written by
 * hand, so a test can do what a well-behaved client library refuses to (ignore the peer's stream limit,
 * reset streams as fast as it opens them, send endless CONTINUATION frames). Header blocks use HPACK
 * literals only (no Huffman, no dynamic table). What the server sends back is parsed into frames.
 */
import { connect, type TLSSocket } from 'node:tls';

export const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, CONTINUATION: 9 };
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 };
export const ERROR = { NO_ERROR: 0, PROTOCOL_ERROR: 1, CANCEL: 8, REFUSED_STREAM: 7, ENHANCE_YOUR_CALM: 0xb };

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

export interface RawH2 {
  /** Writes frames in one go (a burst). */
  send(...frames: Buffer[]): void;
  frames: Frame[];
  /** Resolves when the server closed the connection (or `maxMs` passed: then false). */
  closedWithin(maxMs: number): Promise<boolean>;
  /** The server's GOAWAY error code, if it sent one. */
  goawayCode(): number | undefined;
  destroy(): void;
}

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

export function rstStream(streamId: number, code: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(FRAME.RST_STREAM, 0, streamId, payload);
}

/** An HPACK integer with an N-bit prefix (RFC 7541, 5.1); `first` carries the pattern bits. */
function hpackInteger(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const bytes = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([Buffer.from(hpackInteger(bytes.length, 7, 0)), bytes]);
}

/** A literal header field without indexing, with a literal name. */
export function hpackField(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x00]), hpackString(name), hpackString(value)]);
}

/** GET https://authority/path (static table :method GET, :scheme https; :path and :authority by name). */
export function requestBlock(authority: string, path: string, extra: Array<[string, string]> = []): Buffer {
  return Buffer.concat([
    Buffer.from([0x82, 0x87]),
    Buffer.from([0x04]), // :path, literal without indexing, name from the static table (4)
    hpackString(path),
    Buffer.from([0x01]), // :authority (1)
    hpackString(authority),
    ...extra.map(([name, value]) => hpackField(name, value)),
  ]);
}

export function openRawH2(port: number, servername: string, ca?: Buffer): Promise<RawH2> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, servername, ca, ALPNProtocols: ['h2'] });
    const frames: Frame[] = [];
    let buffered = Buffer.alloc(0);
    let isClosed = false;
    const closed = new Promise<void>((r) => socket.once('close', () => ((isClosed = true), r())));
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 9) {
        const length = buffered.readUIntBE(0, 3);
        if (buffered.length < 9 + length) break;
        const parsed = {
          type: buffered[3]!,
          flags: buffered[4]!,
          streamId: buffered.readUInt32BE(5) & 0x7fffffff,
          payload: buffered.subarray(9, 9 + length),
        };
        frames.push(parsed);
        buffered = buffered.subarray(9 + length);
        if (parsed.type === FRAME.SETTINGS && (parsed.flags & FLAG.ACK) === 0 && socket.writable) {
          socket.write(frame(FRAME.SETTINGS, FLAG.ACK, 0));
        }
      }
    });
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      socket.on('error', () => {}); // the server cutting us off is the point of these clients
      if (socket.alpnProtocol !== 'h2') return reject(new Error(`ALPN chose ${String(socket.alpnProtocol)}`));
      socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(FRAME.SETTINGS, 0, 0)]));
      resolve({
        send: (...out) => {
          if (socket.writable) socket.write(Buffer.concat(out));
        },
        frames,
        closedWithin: (maxMs) =>
          isClosed
            ? Promise.resolve(true)
            : Promise.race([
                closed.then(() => true),
                new Promise<boolean>((r) => setTimeout(() => r(false), maxMs).unref()),
              ]),
        goawayCode: () => {
          const goaway = frames.find((f) => f.type === FRAME.GOAWAY);
          return goaway === undefined ? undefined : goaway.payload.readUInt32BE(4);
        },
        destroy: () => socket.destroy(),
      });
    });
  });
}
