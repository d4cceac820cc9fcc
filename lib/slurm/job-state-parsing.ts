// Reads a job state as slurmrestd writes it (one string through v0.0.39, a list from v0.0.40) into
// core's JobState; what a state means for a deployment is decided in lib/core/status.ts alone.

import { BASE_JOB_STATES, SINGLE_STRING_FLAGS, type JobState } from '../core/status.js';

/** v0.0.38 and v0.0.39 print one string, in which a flag such as COMPLETING wins over the base state. */
export function jobStateOfString(state: string): JobState {
  return SINGLE_STRING_FLAGS.has(state) ? { flags: [state] } : { base: state, flags: [] };
}


/**
 * v0.0.40 and later report the state as a list: one base state plus the set flags, e.g.
 * `["PENDING", "REQUEUED"]`. The first base state found is the base; the rest are flags, so a
 * value this deployer does not know stays visible (and maps to UNSET) instead of being dropped.
 */
export function jobStateOfList(states: readonly string[]): JobState {
  const base = states.find((s) => BASE_JOB_STATES.has(s));
  const flags = states.filter((s) => s !== base);
  return base === undefined ? { flags } : { base, flags };
}
