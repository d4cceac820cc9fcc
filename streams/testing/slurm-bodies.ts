// Response bodies as slurmrestd v0.0.39 to v0.0.45 write them, built from a small job model.
// Used by the fake slurmrestd and by our adapter specs, which check every body they use against
// the version's OpenAPI document (spec/support/slurm-contract.ts), so that they cannot drift.

import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';

/** A REST API version the fake slurmrestd speaks: v0.0.39 and later. */
export type NewerVersion = Exclude<SlurmApiVersion, 'v0.0.38'>;

export const NEWER_VERSIONS: readonly NewerVersion[] = ['v0.0.39', 'v0.0.40', 'v0.0.41', 'v0.0.42', 'v0.0.43', 'v0.0.44', 'v0.0.45'];

/** The release whose generated document describes each version (see slurm-contract.ts). */
export const RELEASE: Readonly<Record<NewerVersion, { major: number; minor: number; micro: number }>> = {
  'v0.0.39': { major: 24, minor: 5, micro: 2 },
  'v0.0.40': { major: 24, minor: 5, micro: 4 },
  'v0.0.41': { major: 24, minor: 5, micro: 8 },
  'v0.0.42': { major: 24, minor: 11, micro: 6 },
  'v0.0.43': { major: 25, minor: 5, micro: 8 },
  'v0.0.44': { major: 25, minor: 11, micro: 0 },
  'v0.0.45': { major: 26, minor: 5, micro: 5 },
};

/** One job as the fake slurmctld keeps it. */
export interface FakeJob {
  /** The job id. */
  readonly jobId: number;
  /** The job name. */
  readonly name: string;
  /** The MCS label. */
  readonly mcsLabel: string;
  /** The comment. */
  readonly comment: string;
  /** Base state first, then flags, as v0.0.40+ list them, e.g. ['RUNNING', 'COMPLETING']. */
  readonly state: readonly string[];
  /** The state's reason (`None`, `Resources`...). */
  readonly reason: string;
  /** How the batch script ended; absent while it has not. */
  readonly exit?: { readonly status: number; readonly signal: number };
  /** Unix seconds. */
  readonly submitTime: number;
  /** Unix seconds; absent while it has not started. */
  readonly startTime?: number;
  /** Unix seconds; absent while it has not ended. */
  readonly endTime?: number;
  /** The partition; absent: `debug`. */
  readonly partition?: string;
  /** A job array's id, as every record of the array carries it (0 or absent: not an array). */
  readonly arrayJobId?: number;
}

export interface BodyError {
  readonly code: number;
  readonly error: string;
  readonly description?: string;
  readonly source?: string;
}

type Body = Record<string, unknown>;

const noVal = (n: number | undefined): Body => (n === undefined ? { set: false, infinite: false, number: 0 } : { set: true, infinite: false, number: n });
const dataParser = (version: NewerVersion): boolean => version !== 'v0.0.39';
const releaseString = (version: NewerVersion): string => {
  const r = RELEASE[version];
  return `${r.major}.${String(r.minor).padStart(2, '0')}.${r.micro}`;
};

export function meta(version: NewerVersion): Body {
  const r = RELEASE[version];
  if (!dataParser(version)) {
    return { plugin: { type: 'openapi/v0.0.39', name: 'Slurm OpenAPI v0.0.39' }, Slurm: { version: r, release: releaseString(version) } };
  }
  return {
    plugin: { type: 'openapi/slurmctld', name: 'Slurm OpenAPI slurmctld', data_parser: `data_parser/${version}`, accounting_storage: 'accounting_storage/slurmdbd' },
    client: { source: '[127.0.0.1]:51234', user: 'slurmjob', group: 'slurmjob' },
    command: [],
    slurm: { version: { major: String(r.major), micro: String(r.micro), minor: String(r.minor) }, release: releaseString(version), cluster: 'stack' },
  };
}

/** v0.0.38/v0.0.39 print one string: a set flag wins over the base state, in this order. */
const SINGLE_STRING_PRECEDENCE = [
  'COMPLETING',
  'STAGE_OUT',
  'CONFIGURING',
  'RESIZING',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'SPECIAL_EXIT',
  'STOPPED',
  'REVOKED',
  'RESV_DEL_HOLD',
  'SIGNALING',
];

export function singleStringState(state: readonly string[]): string {
  return SINGLE_STRING_PRECEDENCE.find((flag) => state.includes(flag)) ?? state[0] ?? 'PENDING';
}

function verboseExitCode(exit: FakeJob['exit']): Body {
  if (exit === undefined) return { status: ['PENDING'], return_code: noVal(undefined), signal: { id: noVal(undefined), name: '' } };
  const status = exit.signal > 0 ? 'SIGNALED' : exit.status === 0 ? 'SUCCESS' : 'ERROR';
  return {
    status: [status],
    return_code: noVal(exit.status),
    signal: { id: noVal(exit.signal > 0 ? exit.signal : undefined), name: exit.signal === 15 ? 'TERM' : exit.signal === 9 ? 'KILL' : '' },
  };
}

/** A job of `GET jobs` / `GET job/{id}`, with the fields a real answer always has around ours. */
export function jobInfo(version: NewerVersion, job: FakeJob): Body {
  const common = {
    job_id: job.jobId,
    name: job.name,
    user_name: 'slurmjob',
    group_name: 'slurmjob',
    partition: job.partition ?? 'debug',
    account: '',
    comment: job.comment,
    mcs_label: job.mcsLabel,
    state_reason: job.reason,
    state_description: '',
    current_working_directory: '/tmp',
    standard_output: '/tmp/%x-%j.out',
    nodes: job.startTime === undefined ? '' : 'vm',
  };
  if (!dataParser(version)) {
    const raw = job.exit === undefined ? undefined : (job.exit.status << 8) | job.exit.signal;
    return {
      ...common,
      job_state: singleStringState(job.state),
      exit_code: noVal(raw),
      derived_exit_code: noVal(raw === undefined ? undefined : 0),
      submit_time: job.submitTime,
      start_time: job.startTime ?? 0,
      end_time: job.endTime ?? 0,
      time_limit: noVal(60),
      priority: noVal(4294901759),
      array_job_id: noVal(job.arrayJobId ?? 0),
    };
  }
  return {
    ...common,
    job_state: [...job.state],
    exit_code: verboseExitCode(job.exit),
    derived_exit_code: verboseExitCode(job.exit === undefined ? undefined : { status: 0, signal: 0 }),
    submit_time: noVal(job.submitTime),
    start_time: noVal(job.startTime ?? 0),
    end_time: noVal(job.endTime ?? 0),
    eligible_time: noVal(job.submitTime),
    time_limit: noVal(60),
    priority: noVal(4294901759),
    array_job_id: noVal(job.arrayJobId ?? 0),
  };
}

/** A full `GET jobs` answer; v0.0.40+ carry slurmctld's time of the list. */
export function jobsAnswer(version: NewerVersion, jobs: readonly FakeJob[], lastUpdate: number): Body {
  const list = jobs.map((j) => jobInfo(version, j));
  if (!dataParser(version)) return { meta: meta(version), errors: [], warnings: [], jobs: list };
  return { jobs: list, last_backfill: noVal(lastUpdate - 5), last_update: noVal(lastUpdate), meta: meta(version), errors: [], warnings: [] };
}

/** slurmctld said SLURM_NO_CHANGE_IN_DATA: a 200 with a warning and no jobs (v0.0.39 and later). */
export function noChangeAnswer(version: NewerVersion, updateTime: number): Body {
  if (!dataParser(version)) {
    return { meta: meta(version), errors: [], warnings: [{ description: `No job changes since update_time=${updateTime}`, source: '_op_handler_jobs' }], jobs: [] };
  }
  const when = new Date(updateTime * 1000).toISOString().slice(0, 19);
  return {
    jobs: [],
    last_backfill: noVal(undefined),
    last_update: noVal(undefined),
    meta: meta(version),
    errors: [],
    warnings: [{ description: `No job changes since update_time[${updateTime}]=${when}`, source: '_op_handler_jobs' }],
  };
}

export function submitAnswer(version: NewerVersion, jobId: number): Body {
  const base = { job_id: jobId, step_id: 'batch', job_submit_user_msg: '', meta: meta(version), errors: [], warnings: [] };
  if (version === 'v0.0.40' || version === 'v0.0.41') {
    return { ...base, result: { job_id: jobId, step_id: 'batch', error_code: 0, error: 'No error', job_submit_user_msg: '' } };
  }
  return base;
}

export type CancelOutcome = 'signalled' | 'unknown' | 'already-done';

/** The answer to `DELETE job/{id}` when slurmctld took it (HTTP 200). */
export function cancelAnswer(version: NewerVersion, jobId: number, outcome: CancelOutcome): Body {
  const warnings = outcome === 'already-done' && !killStatus(version) ? [{ description: 'Job was already sent signal Killed', source: '_handle_job_delete' }] : [];
  const base = { meta: meta(version), errors: [], warnings };
  if (!killStatus(version)) return base;
  // Slurm 24.11+ (slurm_kill_jobs): one entry per job, the error inside it.
  const error =
    outcome === 'unknown'
      ? { string: 'Invalid job id specified', code: 2017, message: `Unable to find JobId=${jobId}` }
      : outcome === 'already-done'
        ? { string: 'Job/step already completing or completed', code: 2021, message: 'Job already done' }
        : { string: 'No error', code: 0, message: 'Signal sent' };
  return { status: [{ error, step_id: 'batch', job_id: noVal(jobId), federation: { sibling: '' } }], ...base };
}

/** Whether this version answers a cancel with `status[]` (v0.0.42+). */
export function killStatus(version: NewerVersion): boolean {
  return !['v0.0.39', 'v0.0.40', 'v0.0.41'].includes(version);
}

/** Whether this version serves `GET /jobs/state` and the bulk `DELETE /jobs` (v0.0.40+). */
export function servesStates(version: NewerVersion): boolean {
  return version !== 'v0.0.39';
}

/** `GET /jobs/state`: each job's id (a string) and state list, nothing else. */
export function statesAnswer(version: NewerVersion, jobs: readonly FakeJob[]): Body {
  return { jobs: jobs.map((j) => ({ job_id: String(j.jobId), state: [...j.state] })), meta: meta(version), errors: [], warnings: [] };
}

/** The bulk `DELETE /jobs` answer: an entry for each job not signalled (unknown, or already done), none for the others. */
export function bulkCancelAnswer(version: NewerVersion, outcomes: readonly { jobId: number; outcome: CancelOutcome }[]): Body {
  const status = outcomes.flatMap(({ jobId, outcome }) => {
    if (outcome === 'signalled') return [];
    const error = outcome === 'unknown' ? 'Invalid job id specified' : 'Job/step already completing or completed';
    // An unknown id comes back with job_id unset and the id as sent in step_id (measured).
    return [{ error: { string: error, code: outcome === 'unknown' ? 2017 : 2021, message: error }, step_id: String(jobId), job_id: noVal(outcome === 'unknown' ? undefined : jobId), federation: { sibling: '' } }];
  });
  return { status, meta: meta(version), errors: [], warnings: [] };
}

export type AnsweredOperation = 'listJobs' | 'getJob' | 'submit' | 'cancel' | 'accounting' | 'readStates' | 'cancelJobs';

/** An error answer of one operation, in that operation's declared shape. */
export function errorAnswer(version: NewerVersion, operation: AnsweredOperation, errors: readonly BodyError[]): Body {
  const list = errors.map((e) => ({
    error_number: e.code,
    error: e.error,
    ...(e.description === undefined ? {} : { description: e.description }),
    ...(e.source === undefined ? {} : { source: e.source }),
  }));
  const base = { meta: meta(version), errors: list, warnings: [] };
  if (!dataParser(version)) return base;
  switch (operation) {
    case 'listJobs':
    case 'getJob':
      return { jobs: [], last_backfill: noVal(undefined), last_update: noVal(undefined), ...base };
    case 'cancel':
      return killStatus(version) ? { status: [], ...base } : base;
    case 'cancelJobs':
      return { status: [], ...base };
    case 'readStates':
      return { jobs: [], ...base };
    case 'accounting':
      return { jobs: [], ...base };
    case 'submit':
      return base;
  }
}

/** `GET /slurmdb/{version}/job/{id}`: accounting records (state and times grouped). */
export function accountingAnswer(version: NewerVersion, jobs: readonly FakeJob[]): Body {
  const records = jobs.map((job) => {
    const common = {
      job_id: job.jobId,
      name: job.name,
      account: '',
      cluster: 'stack',
      partition: job.partition ?? 'debug',
      user: 'slurmjob',
      group: 'slurmjob',
      mcs: { label: job.mcsLabel },
      comment: { job: job.comment, administrator: '', system: '' },
      time: { submission: job.submitTime, start: job.startTime ?? 0, end: job.endTime ?? 0, eligible: job.submitTime, elapsed: 0 },
    };
    if (!dataParser(version)) {
      const exit = job.exit;
      return {
        ...common,
        state: { current: singleStringState(job.state), reason: job.reason },
        exit_code:
          exit === undefined
            ? { status: 'PENDING', return_code: 0, signal: { signal_id: 0, name: '' } }
            : { status: exit.signal > 0 ? 'SIGNALED' : exit.status === 0 ? 'SUCCESS' : 'ERROR', return_code: exit.status, signal: { signal_id: exit.signal, name: '' } },
      };
    }
    return { ...common, state: { current: [...job.state], reason: job.reason }, exit_code: verboseExitCode(job.exit) };
  });
  return dataParser(version) ? { jobs: records, meta: meta(version), errors: [], warnings: [] } : { meta: meta(version), errors: [], warnings: [], jobs: records };
}
