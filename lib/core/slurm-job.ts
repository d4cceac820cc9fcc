// What the deployer knows of a Slurm job, whatever REST API version reported it, and the
// version-free description of a job to submit. Pure types plus the job identity codec.

import type { JobOptions } from './job-options.js';
import type { JobState } from './status.js';

/** How a job's batch script ended. */
export interface ExitCode {
  /** The exit status of the batch script (0..255), when it exited. */
  readonly status: number;
  /** The signal that ended it, 0 when none. */
  readonly signal: number;
}

/** One job as Slurm reported it, normalized across API versions. */
export interface SlurmJob {
  /** Slurm's job id. */
  readonly jobId: number;
  /** The job name (the deployment id, for jobs of the deployer). */
  readonly name: string;
  /** The MCS label: the deployer's job label for its own jobs. */
  readonly mcsLabel: string;
  /** The comment, where the deployer writes the job identity (JobIdentity). */
  readonly comment: string;
  /** The job state, normalized. */
  readonly state: JobState;
  /** Slurm's reason for the state (`None`, `Resources`, `NonZeroExitCode`...). */
  readonly reason: string;
  /** How the batch script ended; absent while it has not. */
  readonly exitCode?: ExitCode;
  /** Unix seconds; absent when Slurm did not say. */
  readonly submitTime?: number;
  /** Unix seconds; absent when Slurm did not say. */
  readonly startTime?: number;
  /** Unix seconds; absent when Slurm did not say. */
  readonly endTime?: number;
  /**
   * Known from a state poll only (`GET /jobs/state`: id and state): its reason and exit code are
   * not Slurm's. A job that ended so is looked up for them before its end is final.
   */
  readonly partial?: boolean;
  /**
   * `accounting`: a record of slurmdbd (`/slurmdb/{version}/job/{id}`), looked up for a job the
   * controller no longer knows (it aged out after MinJobAge). Absent: slurmctld reported it.
   */
  readonly source?: 'accounting';
}

/**
 * One job's state as `GET /jobs/state` reports it (v0.0.40+, Slurm 23.11.5+): id and state only,
 * no name, comment, reason or exit code. What a cheap poll learns of a job it follows.
 */
export interface JobStateReport {
  /** Slurm's job id. */
  readonly jobId: number;
  /** The job state, normalized. */
  readonly state: JobState;
}

/** A job to submit, in no particular API version's shape. Adapters render it. */
export interface JobSpec {
  /** The job name: the deployment id. */
  readonly name: string;
  /** The batch script, from `#!`. */
  readonly script: string;
  /** The job's whole environment (Slurm starts it with this and nothing else). */
  readonly environment: Readonly<Record<string, string>>;
  /** The deployer's job label. */
  readonly mcsLabel: string;
  /** The job identity (formatJobIdentity), by which the deployer finds its job again. */
  readonly comment: string;
  /** sbatch --partition. */
  readonly partition?: string;
  /** sbatch --time, in minutes. */
  readonly timeLimitMinutes?: number;
  /** sbatch --nodes. */
  readonly nodes?: number;
  /** sbatch --ntasks. */
  readonly tasks?: number;
  /** sbatch --cpus-per-task. */
  readonly cpusPerTask?: number;
  /** sbatch --mem, in MB. */
  readonly memoryPerNodeMB?: number;
  /** sbatch --chdir. */
  readonly currentWorkingDirectory?: string;
  /** sbatch --account. */
  readonly account?: string;
  /** sbatch --qos. */
  readonly qos?: string;
  /** sbatch --output. */
  readonly standardOutput?: string;
  /** sbatch --error. */
  readonly standardError?: string;
  /** The sbatch options beyond these; absent when none is asked for. */
  readonly options?: JobOptions;
}

/**
 * The identity a job carries in its comment so that the deployer can find it again after a
 * crash or an unanswered submit: which deployment it serves and which submit created it.
 */
export interface JobIdentity {
  readonly deploymentId: string;
  readonly submitId: string;
  /** A hash of the deployment's args the job runs: tells a job of the current spec after a crash. */
  readonly specHash?: string;
}

const IDENTITY_PREFIX = 'sdp-slurm-deployer:';

export function formatJobIdentity(identity: JobIdentity): string {
  const spec = identity.specHash === undefined ? '' : `;spec=${identity.specHash}`;
  return `${IDENTITY_PREFIX}deployment=${identity.deploymentId};submit=${identity.submitId}${spec}`;
}

export function parseJobIdentity(comment: string): JobIdentity | undefined {
  if (!comment.startsWith(IDENTITY_PREFIX)) return undefined;
  const fields = new Map(
    comment
      .slice(IDENTITY_PREFIX.length)
      .split(';')
      .map((part) => {
        const eq = part.indexOf('=');
        return eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
      }),
  );
  const deploymentId = fields.get('deployment');
  const submitId = fields.get('submit');
  if (!deploymentId || !submitId) return undefined;
  const specHash = fields.get('spec');
  return specHash ? { deploymentId, submitId, specHash } : { deploymentId, submitId };
}

/** Decodes a raw wait status (`code << 8 | signal`), as v0.0.38 reports `exit_code`. */
export function exitCodeFromWaitStatus(raw: number): ExitCode {
  return { status: (raw >> 8) & 0xff, signal: raw & 0x7f };
}
