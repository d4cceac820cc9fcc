// The deployer loop's queue of events waiting to be handled: a FIFO whose shift is O(1)
// (Array.shift is O(n): 10,000 queued events would cost 10^8 moves).

import type { DeployerEvent } from '../../lib/core/events.js';

export class EventQueue {
  #items: (DeployerEvent | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(event: DeployerEvent): void {
    this.#items.push(event);
  }

  shift(): DeployerEvent | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const event = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return event;
  }
}
