/**
 * The request log's in-memory buffer between the proxy and SQLite: columns reserved up front
 * (typed arrays for the numbers), so recording a request allocates nothing beyond its path string. When
 * the writer falls behind and the buffer is full, new entries are refused and the caller counts them.
 */
import type { LogEntryRecord } from '../proxy/process/traffic-batch.js';

/** One request-log entry; the proxy's worker processes send the same shape (src/proxy/process/traffic-batch.ts). */
export type RequestLogEntry = LogEntryRecord;

export class RequestLogBuffer {
  private readonly serviceIds: string[];
  private readonly methods: string[];
  private readonly paths: string[];
  private readonly at: Float64Array;
  private readonly status: Uint16Array;
  private readonly duration: Float32Array;
  private readonly bytesIn: Float64Array;
  private readonly bytesOut: Float64Array;
  private size = 0;

  constructor(readonly capacity: number) {
    this.serviceIds = new Array<string>(capacity).fill('');
    this.methods = new Array<string>(capacity).fill('');
    this.paths = new Array<string>(capacity).fill('');
    this.at = new Float64Array(capacity);
    this.status = new Uint16Array(capacity);
    this.duration = new Float32Array(capacity);
    this.bytesIn = new Float64Array(capacity);
    this.bytesOut = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** False when full (the entry is dropped). */
  push(
    serviceId: string,
    method: string,
    path: string,
    status: number,
    durationMs: number,
    bytesIn: number,
    bytesOut: number,
  ): boolean {
    const i = this.size;
    if (i >= this.capacity) return false;
    this.serviceIds[i] = serviceId;
    this.methods[i] = method;
    this.paths[i] = path;
    this.at[i] = Date.now();
    this.status[i] = status;
    this.duration[i] = durationMs;
    this.bytesIn[i] = bytesIn;
    this.bytesOut[i] = bytesOut;
    this.size = i + 1;
    return true;
  }

  /** An entry made elsewhere (a proxy worker), with its own time; false when full. */
  pushAt(entry: RequestLogEntry): boolean {
    if (
      !this.push(
        entry.serviceId,
        entry.method,
        entry.path,
        entry.status,
        entry.durationMs,
        entry.bytesIn,
        entry.bytesOut,
      )
    )
      return false;
    this.at[this.size - 1] = entry.at;
    return true;
  }

  /** Everything buffered, oldest first, as objects for the writer; the buffer is empty afterwards. */
  drain(): RequestLogEntry[] {
    const entries: RequestLogEntry[] = new Array<RequestLogEntry>(this.size);
    for (let i = 0; i < this.size; i++) {
      entries[i] = {
        serviceId: this.serviceIds[i]!,
        at: this.at[i]!,
        method: this.methods[i]!,
        path: this.paths[i]!,
        status: this.status[i]!,
        durationMs: Math.round(this.duration[i]! * 100) / 100,
        bytesIn: this.bytesIn[i]!,
        bytesOut: this.bytesOut[i]!,
      };
      // Let the strings go now rather than when the slot is reused.
      this.paths[i] = '';
    }
    this.size = 0;
    return entries;
  }
}
