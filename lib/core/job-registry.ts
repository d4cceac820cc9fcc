// The job registry: the jobs the deployer follows, persisted one key each beside the watermark
// (`/slurm-deployer/jobs/<label>/<jobId>`: the deployment it serves and its identity). A state
// is no lasting record of a job: ska-sdp-config deletes it with its deployment, and a deployment
// deleted while no deployer ran left its job below the job-id floor, where no term looked for it
// again. A new term asks Slurm for the registered jobs by id in its first poll; the usual
// decisions follow (adopt, cancel, forget). Only where state polls and the watermark are on: a
// full list finds every job anyway. What to store is decided per slot here; registry-sync.ts
// keeps the stored registry in line with it.

import { isRecorded, trackedJobOf } from './slot.js';
import type { ReducerSettings } from './settings.js';
import type { Slot } from './world.js';

/** Whether the reducer keeps a job registry: it polls states and keeps a watermark (absent in older journals). */
export function registryOn(settings: ReducerSettings): boolean {
  return settings.statePollIntervalMs !== undefined && settings.watermark !== undefined;
}

/**
 * The jobs of a slot the registry holds: the jobs it follows (its own until it ended, and its
 * strays), and its own ended job until a state naming it is stored. The floor may have risen
 * above that job while it ran (registered, it was recorded: slot.ts floorHoldOf): had the key
 * gone before the state, a crash would leave its deployment with no word of it, and a second job.
 */
export function registeredJobsOf(slot: Slot | undefined): number[] {
  if (slot === undefined) return [];
  const ids: number[] = [];
  const job = trackedJobOf(slot);
  if (job !== undefined && (job.final === undefined || !isRecorded(slot, job.jobId))) ids.push(job.jobId);
  for (const stray of slot.strays) ids.push(stray.jobId);
  return ids;
}
