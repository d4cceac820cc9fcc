// Stray jobs: labelled, active jobs that no deployment claims, to be cancelled.

import type { CancelReason } from './commands.js';
import type { StrayJob, World } from './world.js';

export function addStray(world: World, jobId: number, deploymentId: string, why: CancelReason, provableFromPollId: number): World {
  if (world.strays[jobId] !== undefined) return world;
  const stray: StrayJob = { jobId, deploymentId, why, cancelling: false, attempt: 0, notBefore: 0, provableFromPollId };
  return { ...world, strays: { ...world.strays, [jobId]: stray } };
}
