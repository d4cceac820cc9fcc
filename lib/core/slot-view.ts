// What deciding one slot may see of the world (built by reducer.ts viewOf), and where its
// commands go.

import type { Command } from './commands.js';
import type { Deployment } from './deployment.js';
import type { ReducerSettings } from './settings.js';
import { trackedJobOf } from './slot.js';
import type { SlurmJob } from './slurm-job.js';
import type { Slot } from './world.js';

/** What a slot may see of the world. */
export interface SlotView {
  readonly settings: ReducerSettings;
  readonly now: number;
  /** The latest poll applied. */
  readonly lastPollId: number;
  /** The latest complete poll applied (a full list, or a state poll that discovered). */
  readonly lastCompletePollId: number | undefined;
  readonly nextPollId: number;
  /** The highest job id seen: a submit made now gets a higher one. */
  readonly highestJobId: number;
  /** The jobs of the latest poll that claim this slot's id. */
  readonly claiming: readonly SlurmJob[];
  polledJob(jobId: number): SlurmJob | undefined;
  /** The deployment following this job, if any. */
  trackedBy(jobId: number): string | undefined;
  /**
   * Whether a submit of this identity may be sent now; when not (the watermark does not name it
   * yet, or may say clean), the slot is noted, and decided again once the watermark allows it.
   */
  maySubmit(id: string, submitId: string): boolean;
  /** Another deployment, as it stands in this step (for the deployments this one depends on). */
  deploymentOf(id: string): Deployment | undefined;
}

/** A slot's commands, by the order a step issues them in: its own first, then cancels, then removals. */
export interface SlotCommands {
  readonly own: Command[];
  readonly cancels: Command[];
  readonly removals: Command[];
}

/** Whether a deployment follows the job: this slot as it is now, or another. */
export function followed(slot: Slot, view: SlotView, jobId: number): boolean {
  if (trackedJobOf(slot)?.jobId === jobId) return true;
  const owner = view.trackedBy(jobId);
  return owner !== undefined && owner !== slot.id;
}
