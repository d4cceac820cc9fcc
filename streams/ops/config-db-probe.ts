// A Config DB round trip on a timer, for health: etcd3's watch reconnects silently, so while
// etcd is away and nothing is written, nothing else tells. The probe asks etcd to delete the
// state of a deployment id nobody uses, only if that deployment does not exist: a transaction that
// changes nothing (no new revision), and could only remove a state that should not exist anyway.

import type { ConfigDb } from '../../lib/configdb/config-db.js';
import { explainConfigDbError, type ConfigDbAddress } from '../../lib/configdb/config-db-trouble.js';
import { setLongTimeout } from '../time/delay.js';

/** Matches the deployment id pattern; no SDP script names a deployment so. */
export const PROBE_DEPLOYMENT_ID = 'sdp-slurm-deployer-health-probe';

export interface ConfigDbProbeOptions {
  readonly everyMs: number;
  /** An answer later than this is a failure. */
  readonly timeoutMs: number;
  readonly address?: ConfigDbAddress;
  /** Each probe's outcome: undefined when etcd answered, else why not in the operator's words. */
  readonly onResult: (problem: string | undefined) => void;
  /** Probe only while this holds (the leader's: a follower may not write); default always. */
  readonly when?: () => boolean;
}

export function probeConfigDb(db: ConfigDb, options: ConfigDbProbeOptions): { stop(): void } {
  let stopped = false;
  let timer: { cancel(): void } | undefined;
  const once = async () => {
    if (options.when?.() === false) {
      if (!stopped) timer = setLongTimeout(() => void once(), options.everyMs, { unref: true });
      return;
    }
    let late: { cancel(): void } | undefined;
    const deadline = new Promise<never>((_, reject) => {
      late = setLongTimeout(() => reject(new Error(`no answer within ${options.timeoutMs} ms (deadline)`)), options.timeoutMs);
    });
    try {
      await Promise.race([db.deleteState(PROBE_DEPLOYMENT_ID), deadline]);
      if (!stopped) options.onResult(undefined);
    } catch (error) {
      if (!stopped) options.onResult(explainConfigDbError(error, options.address));
    } finally {
      late?.cancel();
    }
    if (!stopped) timer = setLongTimeout(() => void once(), options.everyMs, { unref: true });
  };
  void once();
  return {
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
