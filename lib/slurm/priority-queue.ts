// A FIFO per priority class (0 first), for the request pacer: thousands of queued submits cost
// O(1) each to add, take and give up (a given-up entry is skipped when its turn comes).

export interface QueueEntry {
  readonly class: number;
}

interface Slot<T> extends QueueEntry {
  readonly value: T;
  /** Taken or given up. */
  done: boolean;
}

export class PriorityQueue<T> {
  readonly #classes: { items: Slot<T>[]; head: number }[];
  #size = 0;

  constructor(classes: number) {
    this.#classes = Array.from({ length: classes }, () => ({ items: [], head: 0 }));
  }

  get size(): number {
    return this.#size;
  }

  push(priority: number, value: T): QueueEntry {
    const slot: Slot<T> = { class: priority, value, done: false };
    this.#classOf(priority).items.push(slot);
    this.#size++;
    return slot;
  }

  /** Gives up an entry still queued (nothing when it was taken or removed already). */
  remove(entry: QueueEntry): void {
    const slot = entry as Slot<T>;
    if (slot.done) return;
    slot.done = true;
    this.#size--;
  }

  /** The oldest entry of the first class that has one. */
  shift(): T | undefined {
    for (const queue of this.#classes) {
      while (queue.head < queue.items.length) {
        const slot = queue.items[queue.head++]!;
        if (queue.head > 1024 && queue.head * 2 > queue.items.length) {
          queue.items = queue.items.slice(queue.head);
          queue.head = 0;
        }
        if (slot.done) continue;
        slot.done = true;
        this.#size--;
        return slot.value;
      }
    }
    return undefined;
  }

  #classOf(priority: number): { items: Slot<T>[]; head: number } {
    const queue = this.#classes[priority];
    if (queue === undefined) throw new RangeError(`no priority class ${priority}`);
    return queue;
  }
}
