// The reducer's settings for a configuration: all the pure core is told of the process's
// configuration, and what a journal's header records for replay.

import type { ReducerSettings } from '../core/world.js';
import type { DeployerConfig } from './deployer-config.js';

/** What the Slurm client in use can do, as far as the reducer must know. */
export interface SlurmReads {
  /** The server has `GET /jobs/state` (SlurmApi.readsStates): the deployer polls its own jobs by id. */
  readonly readsStates: boolean;
}

/**
 * A submit of unknown outcome waits this long before a poll may prove that no job came of it:
 * the submit itself waited up to 10 minutes for slurmrestd's answer (lib/slurm/slurm-http.ts), and
 * an answer lost with its connection came from a slurmrestd that no longer holds the request.
 */
export const SUBMIT_SETTLE_MS = 120_000;
/** The watermark is written at most this often while its floor rises. */
export const WATERMARK_EVERY_MS = 10_000;
/**
 * After a stop that was not clean, the new term waits this long before its first poll: submits
 * the last leader still had inside slurmrestd land meanwhile (one sleeping through slurmctld's rate
 * limit retries after 1, 2, 3... s; eight of them drain a 2/s bucket in well under 20 s).
 */
export const TAKEOVER_HOLD_MS = 20_000;

export function reducerSettingsOf(config: DeployerConfig, reads: SlurmReads = { readsStates: false }): ReducerSettings {
  return {
    job: config.job,
    pollIntervalMs: config.loopIntervalSeconds * 1000,
    ...(reads.readsStates ? { statePollIntervalMs: config.stateIntervalSeconds * 1000 } : {}),
    submitSettleMs: SUBMIT_SETTLE_MS,
    watermark: { everyMs: WATERMARK_EVERY_MS, takeoverHoldMs: TAKEOVER_HOLD_MS },
    backoff: { baseMs: 1000, maxMs: 5 * 60_000 },
    keepStateOfDeleted: config.keepStateOfDeleted,
  };
}
