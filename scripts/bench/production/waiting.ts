// Bounded waiting on the real stack: a condition checked every so often until a deadline.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** performance.now() at which `done()` first held, or undefined when `timeoutMs` passed first. */
export async function until(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 500): Promise<number | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve(done()).catch(() => false)) return performance.now();
    if (performance.now() > deadline) return undefined;
    await sleep(everyMs);
  }
}

export { sleep };
