// Every submit the deployer sent in a property run, and what became of it in the simulated Slurm:
// the facts behind the exactlyOnce property (kept across restarts: slurmrestd does not restart
// with the deployer). A submit may make its job at once, never, or later: slurmrestd retries a
// request slurmctld's rate limit refused long after the deployer stopped waiting (issue 19).

import type { JobSpec } from '../../lib/core/slurm-job.js';
import { T0 } from './property-runs.js';

/** A version of a deployment's spec: its args, and how often the Config DB changed them before (a deletion counts). */
export interface SpecVersion {
  readonly argsKey: string;
  readonly epoch: number;
}

export type SubmitFate =
  /** Issued, not carried out yet. */
  | { readonly kind: 'sent' }
  /** Carried out, its answer not delivered, and its job not made yet: it may land at any time. */
  | { readonly kind: 'inside' }
  /** Its job may still land, at the latest at `landBy` (it lands then if `lands`). */
  | { readonly kind: 'late'; readonly landBy: number; readonly lands: boolean }
  | { readonly kind: 'made'; readonly jobId: number }
  | { readonly kind: 'none' };

export interface SubmitRecord {
  /** The outstanding command's sequence number; negative for the jobs found at the start. */
  readonly seq: number;
  readonly id: string;
  readonly submitId: string;
  /** Absent when the deployer submitted for a deployment it did not know (notOurs says so). */
  readonly spec?: SpecVersion;
  /** The job it asks for (absent for the jobs found at the start). */
  readonly job?: JobSpec;
  fate: SubmitFate;
}

export class SubmitLedger {
  readonly records: SubmitRecord[] = [];

  add(record: SubmitRecord): SubmitRecord {
    this.records.push(record);
    return record;
  }

  bySeq(seq: number): SubmitRecord | undefined {
    return this.records.find((r) => r.seq === seq);
  }

  /** The other submits of the same deployment and version of its spec. */
  sameSpec(record: SubmitRecord): SubmitRecord[] {
    const spec = record.spec;
    if (spec === undefined) return [];
    return this.records.filter((r) => r !== record && r.id === record.id && r.spec?.argsKey === spec.argsKey && r.spec.epoch === spec.epoch);
  }

  /** Submits whose job may still land, in the order sent. */
  landable(): SubmitRecord[] {
    return this.records.filter((r) => r.fate.kind === 'inside' || r.fate.kind === 'late');
  }
}

/** Whether the submit may still make a job. */
export function mayLand(record: SubmitRecord): boolean {
  const kind = record.fate.kind;
  return kind === 'sent' || kind === 'inside' || kind === 'late';
}

export function describeFate(fate: SubmitFate): string {
  switch (fate.kind) {
    case 'sent':
      return 'sent and not yet carried out';
    case 'inside':
      return 'carried out, unanswered, its job not yet made';
    case 'late':
      return `of unknown outcome, its job may land until t=${fate.landBy - T0} ms`;
    case 'made':
      return `made job ${fate.jobId}`;
    case 'none':
      return 'made no job';
  }
}
