/**
 * A queue with a fixed capacity that never refuses and never grows: when full, the oldest item makes room
 * for the newest, and the drop is counted. Used between the proxy's workers, its supervisor and the
 * daemon, where a stalled reader must not cost the request path memory or time.
 */
export class BoundedQueue<T> {
  private readonly items: Array<T | undefined>;
  private head = 0;
  private size = 0;
  /** Items pushed out by newer ones since the last take(). */
  dropped = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Adds the item; returns the oldest one when it had to make room (undefined otherwise). */
  push(item: T): T | undefined {
    if (this.capacity === 0) {
      this.dropped++;
      return item;
    }
    const tail = (this.head + this.size) % this.capacity;
    if (this.size < this.capacity) {
      this.items[tail] = item;
      this.size++;
      return undefined;
    }
    const evicted = this.items[tail];
    this.items[tail] = item;
    this.head = (this.head + 1) % this.capacity;
    this.dropped++;
    return evicted;
  }

  /** Everything queued, oldest first, and the drop count; the queue is empty afterwards. */
  take(): { items: T[]; dropped: number } {
    const items = new Array<T>(this.size);
    for (let i = 0; i < this.size; i++) {
      const at = (this.head + i) % this.capacity;
      items[i] = this.items[at]!;
      this.items[at] = undefined;
    }
    const dropped = this.dropped;
    this.head = this.size = this.dropped = 0;
    return { items, dropped };
  }
}
