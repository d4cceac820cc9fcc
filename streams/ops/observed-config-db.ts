// A Config DB that tells the health monitor when it cannot be reached or its watch is lost, in
// the operator's words (lib/configdb/config-db-trouble.ts). Otherwise the very same Config DB.

import type { ConfigDb } from '../../lib/configdb/config-db.js';
import { explainConfigDbError, type ConfigDbAddress } from '../../lib/configdb/config-db-trouble.js';

export interface ConfigDbObserver {
  /** Listing or watching failed, or the watch was lost: the deployer does not see changes now. */
  trouble(why: string): void;
}

export function observedConfigDb(db: ConfigDb, observer: ConfigDbObserver, address?: ConfigDbAddress): ConfigDb {
  const failed = (error: unknown): never => {
    observer.trouble(explainConfigDbError(error, address));
    throw error;
  };
  return {
    listDeployments: (options) => db.listDeployments(options).catch(failed),
    writeWatermark: (label, watermark) => db.writeWatermark(label, watermark),
    recordJobs: (label, add, remove) => db.recordJobs(label, add, remove),
    watchDeployments: (afterRevision, listener) =>
      db
        .watchDeployments(afterRevision, {
          change: (change) => listener.change(change),
          lost: (reason) => {
            observer.trouble(explainConfigDbError(new Error(reason), address));
            listener.lost(reason);
          },
        })
        .catch(failed),
    writeState: (id, state) => db.writeState(id, state),
    writeStates: (writes) => db.writeStates(writes),
    deleteState: (id) => db.deleteState(id),
    close: () => db.close(),
  };
}
