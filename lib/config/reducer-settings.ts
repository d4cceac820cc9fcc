// The reducer's settings for a configuration: all the pure core is told of the process's
// configuration, and what a journal's header records for replay.

import type { ReducerSettings, UnmatchedLookupSettings } from '../core/world.js';
import type { DeployerConfig } from './deployer-config.js';

/** What the Slurm client in use can do, as far as the reducer must know. */
export interface SlurmReads {
  /** The server has `GET /jobs/state` (SlurmApi.readsStates): the deployer polls its own jobs by id. */
  readonly readsStates: boolean;
  /** Lookups ask Slurm accounting too (SlurmApi.readsAccounting): a lost job's verdict says so. */
  readonly readsAccounting?: boolean;
}

/** The watermark is written at most this often while its floor rises. */
export const WATERMARK_EVERY_MS = 10_000;
/** A term's own submits named in the watermark at once, at most (WatermarkSettings.inFlightCap). */
export const IN_FLIGHT_CAP = 16;
/**
 * A lookup answered with a job that is not ours (another mcs label, a comment naming another
 * deployment or submit) is asked again, up to 5 answers in a row, 5 s apart doubling (with
 * jitter: 2.5-5, 5-10, 10-20, 20-40 s): about a minute. Such an answer does not come and go
 * (a record is not relabelled; an id reused stays reused), so a minute only rules out a fluke
 * before the deployment is marked FAILED with what was seen.
 */
export const UNMATCHED_LOOKUP: UnmatchedLookupSettings = { attempts: 5, backoff: { baseMs: 5000, maxMs: 60_000 } };

/** The reducer settings of a configuration, for a Slurm client that reads as `reads` says (SlurmApi.readsStates and readsAccounting). */
export function reducerSettingsOf(config: DeployerConfig, reads: SlurmReads = { readsStates: false }): ReducerSettings {
  return {
    job: config.job,
    pollIntervalMs: config.loopIntervalSeconds * 1000,
    // A state poll at least as often as the loop interval asks (a short LOOP_INTERVAL means short).
    ...(reads.readsStates ? { statePollIntervalMs: Math.min(config.stateIntervalSeconds, config.loopIntervalSeconds) * 1000 } : {}),
    // A submit waited up to 10 minutes for slurmrestd's answer (lib/slurm/slurm-http.ts); an answer
    // lost with its connection came from a slurmrestd that no longer holds the request (120 s).
    submitSettleMs: config.submitSettleSeconds * 1000,
    // Submits the last leader still had inside slurmrestd land meanwhile: one sleeping through
    // slurmctld's rate limit retries after 1, 2, 3... s; eight drain a 2/s bucket well under 20 s.
    // A leader that crashed at rest had none: it said so (cleanAtRest), and the next term holds not.
    // Each submit is named in the watermark before it is sent, 16 of a term's at once (as many as
    // the Slurm limiter ever sends at once): the hold is then that of those deployments alone.
    watermark: { everyMs: WATERMARK_EVERY_MS, takeoverHoldMs: config.takeoverHoldSeconds * 1000, cleanAtRest: true, inFlightCap: IN_FLIGHT_CAP },
    backoff: { baseMs: 1000, maxMs: 5 * 60_000 },
    keepStateOfDeleted: config.keepStateOfDeleted,
    accounting: reads.readsAccounting === true,
    unmatchedLookup: UNMATCHED_LOOKUP,
    dependencyWaitMs: config.dependencyWaitSeconds * 1000,
  };
}
