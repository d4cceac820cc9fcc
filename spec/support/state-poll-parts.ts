// The legend pieces of scenarios where Slurm serves job states (`GET /jobs/state`): the settings
// on a scenario's scale and the listing that carries a watermark.

import type { DeployerEvent, DeploymentEntry } from '../../lib/core/events.js';
import type { ReducerSettings, Watermark } from '../../lib/core/world.js';

/**
 * A state poll every 5 frames, every job's state every 40, an unknown outcome settles after 30
 * frames, the watermark written at most every 10, and a term after an unclean stop waits 15.
 */
export const statePollSettings: Partial<ReducerSettings> = {
  statePollIntervalMs: 5,
  pollIntervalMs: 40,
  submitSettleMs: 30,
  watermark: { everyMs: 10, takeoverHoldMs: 15 },
};

/** A listing at the start of a term, with the watermark the last term left (none: never written). */
export function listedWith(watermark: Watermark | undefined, ...deployments: DeploymentEntry[]): DeployerEvent {
  return { type: 'configListed', deployments, invalid: [], ...(watermark ? { watermark } : {}) };
}
