// State writes gathered into batches: every writeState asked for in one turn of the event loop
// (one step of the deployer, or one batch of steps) goes to the Config DB in one writeStates
// call, which the etcd backend sends as few transactions. Each write still gets its own answer.

import type { ConfigDb, StateWrite, StateWriteResult } from '../../lib/configdb/config-db.js';
import type { DeploymentState } from '../../lib/core/deployment-state.js';

interface Pending extends StateWrite {
  readonly resolve: (result: StateWriteResult) => void;
  readonly reject: (error: unknown) => void;
}

export interface StateWriteBatcher {
  /** Resolves when the batch holding this write has been committed (or rejects with its error). */
  write(id: string, state: DeploymentState): Promise<StateWriteResult>;
}

/** `maxBatch` bounds one writeStates call; writes beyond it start the next batch at once. */
export function createStateWriteBatcher(configDb: Pick<ConfigDb, 'writeStates'>, maxBatch = 256): StateWriteBatcher {
  let pending: Pending[] = [];
  let scheduled = false;

  const send = (batch: readonly Pending[]): void => {
    configDb.writeStates(batch).then(
      (results) => batch.forEach((w, i) => w.resolve(results[i] ?? 'deployment-missing')),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
  };

  const flush = (): void => {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length > 0) send(batch);
  };

  return {
    write: (id, state) =>
      new Promise<StateWriteResult>((resolve, reject) => {
        pending.push({ id, state, resolve, reject });
        if (pending.length >= maxBatch) flush();
        else if (!scheduled) {
          scheduled = true;
          // After the event loop's turn, not a microtask: every write of the steps handled in
          // this turn joins the batch, and a submit the same step issued goes out first.
          setImmediate(flush);
        }
      }),
  };
}
