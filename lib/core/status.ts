// The SDP deployment status vocabulary (that of the SDP Helm deployer) and the mapping from
// Slurm job states to it (the table of docs/deployments.md#what-it-reads-and-writes). Pure.

/** Every status the deployer writes into a deployment's state (docs/deployments.md#what-it-reads-and-writes), as the SDP Helm deployer names them. */
export const DEPLOYMENT_STATUSES = ['PENDING', 'RUNNING', 'FINISHED', 'CANCELLED', 'FAILED', 'UNSET'] as const;
/** A deployment's status, as written in `/deploy/<id>/state`. */
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** A Slurm job state, normalized: v0.0.40+ report a base state plus flags; v0.0.38/39 one string. */
export interface JobState {
  /** The base state (RUNNING, COMPLETED, ...); absent when Slurm reported only a flag. */
  readonly base?: string;
  /** The flags set (COMPLETING, REQUEUED...), in the order Slurm listed them; empty when none. */
  readonly flags: readonly string[];
}

/** The base states of `enum job_states` (slurm.h), and the status each means. */
const BASE_JOB_STATUS = {
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  SUSPENDED: 'RUNNING',
  COMPLETED: 'FINISHED',
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
  TIMEOUT: 'FAILED',
  NODE_FAIL: 'FAILED',
  PREEMPTED: 'FAILED',
  BOOT_FAIL: 'FAILED',
  DEADLINE: 'FAILED',
  OUT_OF_MEMORY: 'FAILED',
} as const satisfies Readonly<Record<string, DeploymentStatus>>;

/**
 * The base states: anything else a job state names is a flag (LAUNCH_FAILED and EXPEDITING
 * included), or a state this deployer does not know.
 */
export const BASE_JOB_STATES: ReadonlySet<string> = new Set(Object.keys(BASE_JOB_STATUS));

const BASE_STATUS: Readonly<Record<string, DeploymentStatus>> = {
  ...BASE_JOB_STATUS,
  // A flag, but v0.0.38/39 print it alone in place of the base state: the launch failed.
  LAUNCH_FAILED: 'FAILED',
};

/** Flags that keep a job waiting, whatever the base state says. */
const PENDING_FLAGS = new Set(['REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'CONFIGURING']);
/** Flags of a job still holding its allocation. */
const RUNNING_FLAGS = new Set(['COMPLETING', 'STAGE_OUT', 'SIGNALING', 'RESIZING', 'STOPPED']);

/**
 * The flags a v0.0.38/v0.0.39 server may report instead of the base state: `job_state_string()`
 * lets any of these win over the base.
 */
export const SINGLE_STRING_FLAGS: ReadonlySet<string> = new Set([
  ...PENDING_FLAGS,
  ...RUNNING_FLAGS,
  'SPECIAL_EXIT',
  'REVOKED',
  'UPDATE_DB',
  'POWER_UP_NODE',
]);

export interface MappedState {
  readonly status: DeploymentStatus;
  /** False when the state is one this deployer does not know (status is then UNSET). */
  readonly known: boolean;
}

/** Maps a Slurm job state to the SDP status. Never returns success for a state it does not know. */
export function mapJobState(state: JobState): MappedState {
  const base = state.base;
  const flags = state.flags;
  const baseStatus = base === undefined ? undefined : BASE_STATUS[base];
  const terminal = baseStatus !== undefined && isTerminalStatus(baseStatus);

  if (!terminal && flags.some((f) => PENDING_FLAGS.has(f))) {
    // CONFIGURING counts as pending only while the job is not yet running.
    const onlyConfiguring = flags.every((f) => f === 'CONFIGURING' || !PENDING_FLAGS.has(f));
    if (!(onlyConfiguring && base === 'RUNNING')) return { status: 'PENDING', known: true };
  }
  if (flags.some((f) => RUNNING_FLAGS.has(f)) && (base === undefined || base === 'RUNNING')) {
    return { status: 'RUNNING', known: true };
  }
  if (baseStatus !== undefined) return { status: baseStatus, known: true };
  return { status: 'UNSET', known: false };
}

export function isTerminalStatus(status: DeploymentStatus): boolean {
  return status === 'FINISHED' || status === 'CANCELLED' || status === 'FAILED';
}

/** The state as one string, as v0.0.38 prints it and as we record it: `BASE` or `BASE+FLAG+FLAG`. */
export function formatJobState(state: JobState): string {
  const base = state.base ?? '';
  // Most states carry no flags: the base alone, with no array made.
  if (state.flags.length === 0) return base;
  return [base, ...state.flags].filter((s) => s !== '').join('+');
}
