// What the deployer persists in the Config DB beside the deployments: the job-id watermark and
// the job registry (their codecs are in lib/configdb).

/**
 * What the deployer persists beside the deployments (`/slurm-deployer/watermark/<label>`): every job
 * it created whose id no state records has an id above `floor`; `clean` when the last leader
 * stopped with nothing in flight, or wrote it while it had none and would not submit again before
 * writing it unclean.
 */
export interface Watermark {
  /** Every job of the deployer whose id no state records has an id above this. */
  readonly floor: number;
  /** The last leader stopped (or rested) with nothing in flight: a new term need not wait for its submits. */
  readonly clean: boolean;
  /**
   * The submits the leader may have sent and not seen answered (nor proven to have made no job):
   * each is written here before it is sent. Absent: a watermark of an older version, which says
   * nothing of them (a new term after an unclean stop then holds its first poll).
   */
  readonly inFlight?: readonly InFlightSubmit[];
}

/** A submit that may be inside slurmrestd: of this deployment, with this identity. */
export interface InFlightSubmit {
  /** The deployment the submit was for. */
  readonly deployment: string;
  /** The identity of that submit (JobIdentity.submitId). */
  readonly submitId: string;
  /**
   * After this time (ms since the epoch) it can make no job any more; absent: it was in flight
   * when its leader stopped, and the next term counts its takeover hold from its own start.
   */
  readonly settleAt?: number;
}

/**
 * A job of the deployer's registry (`/slurm-deployer/jobs/<label>/<jobId>`, job-registry.ts): the
 * deployment it serves and what the deployer knows of its identity (the comment it carries, or '').
 */
export interface RegisteredJob {
  /** Slurm's job id. */
  readonly jobId: number;
  /** The deployment the job serves. */
  readonly deployment: string;
  /** The job's identity as it carries it in its comment, or '' when unknown. */
  readonly comment: string;
}
