// LANDINGS: submits whose job lands later than their answer (issue 19). slurmrestd retries a
// request slurmctld's rate limit refused, long after the deployer stopped waiting for it. With
// state polls the runs model them (with full lists a submit's job is made when it runs, or never):
// - a submit answered with an unknown outcome may land until just before `submitSettleMs` after
//   that answer (at that bound it lands, or never will, as the run chose);
// - at a crash, a submit in flight that did not run may land until just before `takeoverHoldMs`
//   after the restart, as may one that ran and was not answered.
// Two bounds the design assumes, limits rather than bugs (FC_LANDINGS=wide lifts them):
// - once the deployer is silent (crashed or stopped), slurmrestd lands what it still holds within
//   the hold: a landing due later is due then (the next term does not honour the settle time of
//   an unknown outcome answered just before a crash, before a watermark could say it: without
//   the bound it submits again);
// - with a watermark that does not name the submits in flight (WatermarkSettings.inFlightCap
//   unset, older journals), only submits of deployments the new term can suspect may land late
//   after a restart (the deployment is in the Config DB with the args the submit was sent for):
//   one of a deployment deleted or changed since lands at the restart or never (nothing tells the
//   new term to hold, and a job landing after its first discovery is never found). A watermark
//   that names them tells the new term which deployments to hold, deleted or changed too.
// A job below the persisted floor whose recording state went while no term watched (its
// deployment deleted, ska-sdp-config deleting the state with it) is found by the job registry
// (lib/core/job-registry.ts): "converges" judges every job.

import type { JobSpec } from '../../lib/core/slurm-job.js';
import { checkCreatedOnce } from './property-checks.js';
import type { Harness, Outstanding } from './property-harness.js';
import { describeFate, type SubmitRecord } from './submit-ledger.js';

/** FC_LANDINGS=wide lifts the bounds the design assumes at a restart (above): to see what they hide. */
const WIDE_LANDINGS = process.env['FC_LANDINGS'] === 'wide';

/** A submit carried out now makes its job. */
export function makeJob(h: Harness, o: Pick<Outstanding, 'argsKey' | 'epoch' | 'submit'>, spec: JobSpec): number {
  const jobId = h.slurm.submit(spec);
  if (o.argsKey !== undefined) h.jobArgs.set(jobId, { argsKey: o.argsKey, epoch: o.epoch ?? -1 });
  if (o.submit !== undefined) made(h, o.submit, jobId);
  return jobId;
}

/** The job of a submit that may still land is made now. */
export function land(h: Harness, record: SubmitRecord): void {
  if (record.job === undefined) return;
  const jobId = h.slurm.submit(record.job);
  if (record.spec !== undefined) h.jobArgs.set(jobId, record.spec);
  made(h, record, jobId);
}

function made(h: Harness, record: SubmitRecord, jobId: number): void {
  record.fate = { kind: 'made', jobId };
  h.trace.log.push(`  ~ job ${jobId} of ${record.id} (submit ${record.submitId}) is created`);
  checkCreatedOnce(h, record, jobId);
}

/** A submit's answer is delivered: of unknown outcome, slurmrestd may still make its job until the settle bound. */
export function answered(h: Harness, o: Outstanding): void {
  if (o.submit?.fate.kind === 'inside') mayLandUntil(h, o.submit, h.now + h.mode.settings.submitSettleMs! - 1, o.lands === true);
}

/** Time passes up to `now`: submits whose bound passes meanwhile have landed, or never will. */
export function landDue(h: Harness, now: number): void {
  for (const record of h.ledger.landable()) {
    if (record.fate.kind !== 'late' || record.fate.landBy >= now) continue;
    if (record.fate.lands) land(h, record);
    else record.fate = { kind: 'none' };
  }
}

/**
 * A crash: of the submits in flight, those that never ran may still be inside slurmrestd and land
 * within the hold (the bits of `late` say which do), as may one that ran and was not answered.
 */
export function landingsAtCrash(h: Harness, late: number): void {
  const holdEnd = h.now + (h.mode.settings.watermark?.takeoverHoldMs ?? 0) - 1;
  h.outstanding.forEach((o, i) => {
    const record = o.submit;
    if (record?.fate.kind === 'sent') {
      if (h.statePolls) mayLandUntil(h, record, holdEnd, ((late >>> i % 31) & 1) === 1);
      else record.fate = { kind: 'none' };
    } else if (record?.fate.kind === 'inside') mayLandUntil(h, record, holdEnd, o.lands === true);
  });
}

function mayLandUntil(h: Harness, record: SubmitRecord, landBy: number, lands: boolean): void {
  record.fate = { kind: 'late', landBy, lands };
  h.trace.log.push(`  ~ submit ${record.submitId} of ${record.id}: ${describeFate(record.fate)}${lands ? ', lands then' : ', lands only if told to'}`);
}

/** A term starts: the bounds the design assumes (above). */
export function termStarts(h: Harness): void {
  if (h.statePolls && !WIDE_LANDINGS) boundLandingsAtRestart(h, h.mode.settings.watermark?.inFlightCap !== undefined);
}

function boundLandingsAtRestart(h: Harness, named: boolean): void {
  const holdEnd = h.now + (h.mode.settings.watermark?.takeoverHoldMs ?? 0) - 1;
  for (const record of h.ledger.landable()) {
    if (record.fate.kind !== 'late') continue;
    // (The epoch a submit was sent in may already be past a change the deployer had not seen.)
    const now = h.epochs.get(record.id);
    const wanted = record.spec !== undefined && now?.epoch === record.spec.epoch && now.argsKey === record.spec.argsKey;
    if (!wanted && !named) {
      if (record.fate.lands) land(h, record);
      else record.fate = { kind: 'none' };
    } else if (record.fate.landBy > holdEnd) record.fate = { ...record.fate, landBy: holdEnd };
  }
}
