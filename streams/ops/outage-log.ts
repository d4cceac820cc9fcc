// One dependency's outages written to the log as lib/core/outage-tracker.ts decides: a WARNING
// naming what to check when it starts failing, again with backoff while it lasts, an INFO when it
// answers again. Each source (the election on etcd, Slurm polls, the token source) feeds one.

import { OUTAGE_POLICY, UP, outageDuration, trackOutage, type OutagePolicy, type OutageState } from '../../lib/core/outage-tracker.js';
import type { LogFields, Logger } from './log.js';

export interface DependencyWatch {
  /**
   * An attempt failed; `problem` is the sentence to log (what failed, where, what to check),
   * `fields` go with it (the client's own text, say: free of secrets).
   */
  failed(problem: string, fields?: LogFields): void;
  /** An attempt succeeded. */
  answered(): void;
  /** Whether the last attempt failed. */
  down(): boolean;
}

export interface DependencyWatchOptions {
  readonly now?: () => number;
  readonly policy?: OutagePolicy;
}

/** `dependency` names it in the lines: `etcd`, `slurmrestd`, `the token server`. */
export function watchDependency(log: Logger, dependency: string, options: DependencyWatchOptions = {}): DependencyWatch {
  const now = options.now ?? (() => Date.now());
  let state: OutageState = UP;
  const step = (attempt: Parameters<typeof trackOutage>[1], fields: LogFields = {}) => {
    const next = trackOutage(state, attempt, now(), options.policy ?? OUTAGE_POLICY);
    state = next.state;
    const note = next.note;
    if (note === undefined) return;
    switch (note.kind) {
      case 'began':
        log.warning(note.problem, { ...fields, dependency, failures: 1 });
        return;
      case 'lasts':
        log.warning(`still failing after ${outageDuration(note.downMs)} (${note.failures} failed attempts): ${note.problem}`, {
          ...fields,
          dependency,
          failures: note.failures,
          down_seconds: Math.round(note.downMs / 1000),
        });
        return;
      case 'ended':
        log.info(`${dependency} answers again after ${outageDuration(note.downMs)} (${note.failures} failed attempts)`, {
          dependency,
          failures: note.failures,
          down_seconds: Math.round(note.downMs / 1000),
        });
    }
  };
  return {
    failed: (problem, fields) => step({ ok: false, problem }, fields),
    answered: () => step({ ok: true }),
    down: () => state.kind === 'down',
  };
}
