/**
 * Serialises writes per key and merges the items that queue up while a write is in flight into the next one.
 * `add` resolves once its item is durably written (or rejects with that write's error), so callers keep
 * at-least-once semantics while a hot key costs one write per flight instead of one per item.
 */
export class CoalescingWriter<T> {
  private readonly write: (key: string, items: readonly T[]) => Promise<void>;
  private readonly queues = new Map<string, { items: T[]; waiters: { resolve: () => void; reject: (e: unknown) => void }[] }>();
  private readonly inFlight = new Set<string>();

  constructor(write: (key: string, items: readonly T[]) => Promise<void>) {
    this.write = write;
  }

  add(key: string, item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(key);
      if (!queue) {
        queue = { items: [], waiters: [] };
        this.queues.set(key, queue);
      }
      queue.items.push(item);
      queue.waiters.push({ resolve, reject });
      if (!this.inFlight.has(key)) void this.drain(key);
    });
  }

  private async drain(key: string): Promise<void> {
    this.inFlight.add(key);
    try {
      for (let queue = this.queues.get(key); queue; queue = this.queues.get(key)) {
        this.queues.delete(key);
        try {
          await this.write(key, queue.items);
          for (const w of queue.waiters) w.resolve();
        } catch (error) {
          for (const w of queue.waiters) w.reject(error);
        }
      }
    } finally {
      this.inFlight.delete(key);
    }
  }
}
