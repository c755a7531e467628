// A fixed-capacity FIFO: pushing onto a full buffer overwrites the oldest item in O(1), so every
// diagnostics history stays bounded without the O(n) shifting of an array trimmed from the front.

export class RingBuffer<T> {
  readonly capacity: number;
  private readonly items: Array<T | undefined>;
  private head = 0; // index of the oldest item
  private count = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`RingBuffer capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Appends `item`; returns the item it evicted when the buffer was full. */
  push(item: T): T | undefined {
    if (this.count < this.capacity) {
      this.items[(this.head + this.count) % this.capacity] = item;
      this.count++;
      return undefined;
    }
    const evicted = this.items[this.head];
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    return evicted;
  }

  /** The item at `index` counted from the oldest (0) to the newest (length - 1). */
  at(index: number): T | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) return undefined;
    return this.items[(this.head + index) % this.capacity];
  }

  newest(): T | undefined {
    return this.count === 0 ? undefined : this.at(this.count - 1);
  }

  /** The newest `limit` items, oldest first. */
  last(limit: number): T[] {
    const n = Math.max(0, Math.min(Math.floor(limit), this.count));
    const out: T[] = [];
    for (let i = this.count - n; i < this.count; i++)
      out.push(this.items[(this.head + i) % this.capacity] as T);
    return out;
  }

  toArray(): T[] {
    return this.last(this.count);
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) % this.capacity] as T;
  }
}
