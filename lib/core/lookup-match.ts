// Whether a lookup's answer is the job looked up: the deployer's mcs label, and, where the
// comment carries an identity (slurmdbd keeps it only with AccountingStoreFlags=job_comment),
// the deployment and submit the deployer knows the job by. An answer that is not the job is no
// proof that the job is gone either: it is asked again with backoff, then the deployment fails.

import { backoffDelay } from './backoff.js';
import { endKnownOf, trackedJob, trackedJobOf, updateStray, withTrackedJob } from './slot.js';
import { unmatchedJobState } from './job-observation.js';
import { parseJobIdentity, type SlurmJob } from './slurm-job.js';
import type { ReducerSettings, UnmatchedLookupSettings } from './settings.js';
import { lookUpLater } from './stray-job.js';
import type { Slot } from './world.js';

/**
 * Journals of older versions name no policy: five answers, on the reducer's backoff (the live
 * deployer's own is in lib/config/reducer-settings.ts).
 */
export const UNMATCHED_LOOKUP_FALLBACK = { attempts: 5 } as const;

export function unmatchedLookupOf(settings: ReducerSettings): UnmatchedLookupSettings {
  return settings.unmatchedLookup ?? { attempts: UNMATCHED_LOOKUP_FALLBACK.attempts, backoff: settings.backoff };
}

/** What makes `job` not the job `jobId` the slot looked up, in words; undefined when it is that job. */
export function mismatchOf(label: string, slot: Slot | undefined, jobId: number, job: SlurmJob): string | undefined {
  const where = job.source === 'accounting' ? 'accounting' : 'slurmctld';
  if (job.jobId !== jobId) return `${where} answered with job ${job.jobId}`;
  if (job.mcsLabel !== label) return `${where} answered with ${job.mcsLabel === '' ? 'no mcs label' : `mcs label ${JSON.stringify(job.mcsLabel)}`}, not ${JSON.stringify(label)}`;
  const identity = parseJobIdentity(job.comment);
  if (identity === undefined || slot === undefined) return undefined;
  if (identity.deploymentId !== slot.id) return `${where} answered with a comment naming deployment ${JSON.stringify(identity.deploymentId)}, not ${JSON.stringify(slot.id)}`;
  const tracked = trackedJobOf(slot);
  if (tracked?.jobId === jobId && tracked.submitId !== undefined && identity.submitId !== tracked.submitId) {
    return `${where} answered with a comment naming submit ${JSON.stringify(identity.submitId)}, not ${JSON.stringify(tracked.submitId)}`;
  }
  return undefined;
}

/**
 * A lookup answered with a job that is not the one followed: asked again after backoff, and at the
 * bound the deployment FAILED with what was seen (an end a state poll showed stands, as after a
 * lookup that found the job gone). A cancelled stray is asked again as after a failed lookup.
 */
export function unmatchedAnswer(settings: ReducerSettings, now: number, slot: Slot, jobId: number, seen: string): Slot {
  const job = trackedJobOf(slot);
  if (job?.jobId !== jobId || job.missing !== 'looking' || slot.deployment === undefined) return updateStray(slot, jobId, (stray) => lookUpLater(stray, now, settings.backoff));
  const policy = unmatchedLookupOf(settings);
  const answers = (job.unmatched?.answers ?? 0) + 1;
  if (answers >= policy.attempts) {
    const ended = endKnownOf(job);
    return { ...slot, deployment: withTrackedJob(slot.deployment, trackedJob(job, job.observed, ended ?? unmatchedJobState(jobId, job.observed, seen, answers), undefined)) };
  }
  const unmatched = { answers, at: now + backoffDelay(policy.backoff, `unmatched:${jobId}`, answers) };
  return { ...slot, deployment: withTrackedJob(slot.deployment, trackedJob(job, job.observed, job.final, 'lookup', unmatched)) };
}
