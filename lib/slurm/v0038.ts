// The Slurm REST API v0.0.38 (Slurm 22.05) adapter: renders a JobSpec to its submit body and
// decodes its answers. Pure; bodies from the server are checked with io-ts here, at the edge.

import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import type { Failure } from '../core/failure.js';
import { exitCodeFromWaitStatus, type JobSpec, type SlurmJob } from '../core/slurm-job.js';
import { SINGLE_STRING_FLAGS, type JobState } from '../core/status.js';
import type { SlurmError } from './failure-classification.js';
import { SlurmRequestError } from './slurm-api.js';

/**
 * The submit body. Only keys of the schema `v0.0.38_job_properties` may appear: slurmrestd
 * answers 400 to any other. `environment` is an object in v0.0.38 (a K=V list from v0.0.39).
 */
export function renderSubmitV0038(spec: JobSpec): object {
  const job: Record<string, unknown> = {
    name: spec.name,
    environment: { ...spec.environment },
    mcs_label: spec.mcsLabel,
    comment: spec.comment,
  };
  const optional: Record<string, unknown> = {
    partition: spec.partition,
    time_limit: spec.timeLimitMinutes,
    // v0.0.38 takes [min, max] node counts; a deployment asks for exactly n.
    nodes: spec.nodes === undefined ? undefined : [spec.nodes, spec.nodes],
    tasks: spec.tasks,
    cpus_per_task: spec.cpusPerTask,
    memory_per_node: spec.memoryPerNodeMB,
    current_working_directory: spec.currentWorkingDirectory,
    account: spec.account,
    qos: spec.qos,
    standard_output: spec.standardOutput,
    standard_error: spec.standardError,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) job[key] = value;
  return { script: spec.script, job };
}

const Int = t.refinement(t.number, Number.isInteger, 'integer');
const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null, t.undefined], `${codec.name} or null`);

/** The fields of a v0.0.38 job the deployer reads; the other hundred are ignored. */
const JobV0038 = t.intersection(
  [
    t.type({ job_id: Int, job_state: t.string }),
    t.partial({
      name: nullable(t.string),
      mcs_label: nullable(t.string),
      comment: nullable(t.string),
      state_reason: nullable(t.string),
      exit_code: nullable(Int),
      submit_time: nullable(Int),
      start_time: nullable(Int),
      end_time: nullable(Int),
    }),
  ],
  'a job object',
);
type JobV0038 = t.TypeOf<typeof JobV0038>;

const JobsBodyV0038 = t.type({ jobs: t.array(JobV0038, 'a list of jobs') }, 'an object with a jobs list');
const SubmitBodyV0038 = t.type({ job_id: Int }, 'an object with a job_id');

const ErrorV0038 = t.partial({
  error_code: nullable(t.number),
  error_number: nullable(t.number),
  errno: nullable(t.number),
  error: nullable(t.string),
  description: nullable(t.string),
  source: nullable(t.string),
});
const ErrorsBodyV0038 = t.type({ errors: t.array(t.unknown) });

/** Every job of a `GET /jobs` or `GET /job/{id}` body. One undecodable job fails the whole list. */
export function parseJobsV0038(body: unknown): SlurmJob[] {
  return decode(JobsBodyV0038, body, 'jobs body').jobs.map(toSlurmJob);
}

/** The job id of a `POST /job/submit` body. */
export function parseSubmitV0038(body: unknown): number {
  return decode(SubmitBodyV0038, body, 'submit body').job_id;
}

/**
 * The `errors` of any v0.0.38 body. The number comes as `error_code` (parsing, submit),
 * `error_number` (load and kill calls) or `errno` (nodes while slurmctld is down). Entries that
 * are not objects are skipped: an error list must never make the error report itself fail.
 */
export function errorsOfV0038(body: unknown): SlurmError[] {
  const decoded = ErrorsBodyV0038.decode(body);
  if (isLeft(decoded)) return [];
  const errors: SlurmError[] = [];
  for (const entry of decoded.right.errors) {
    const e = ErrorV0038.decode(entry);
    if (isLeft(e)) continue;
    const v = e.right;
    const code = v.error_code ?? v.error_number ?? v.errno ?? undefined;
    errors.push(
      dropUndefined({
        code: code ?? undefined,
        error: v.error ?? undefined,
        description: v.description ?? undefined,
        source: v.source ?? undefined,
      }),
    );
  }
  return errors;
}

function toSlurmJob(job: JobV0038): SlurmJob {
  return dropUndefined({
    jobId: job.job_id,
    name: job.name ?? '',
    mcsLabel: job.mcs_label ?? '',
    comment: job.comment ?? '',
    state: jobStateOfString(job.job_state),
    reason: job.state_reason ?? '',
    // The raw wait status (`code << 8 | signal`); null only in fields Slurm never filled.
    exitCode: job.exit_code === null || job.exit_code === undefined ? undefined : exitCodeFromWaitStatus(job.exit_code),
    submitTime: unixTime(job.submit_time),
    startTime: unixTime(job.start_time),
    endTime: unixTime(job.end_time),
  });
}

/** v0.0.38 prints one string, in which a flag such as COMPLETING wins over the base state. */
export function jobStateOfString(state: string): JobState {
  return SINGLE_STRING_FLAGS.has(state) ? { flags: [state] } : { base: state, flags: [] };
}

/** Slurm says 0 for a time that has not happened (start of a pending job). */
function unixTime(value: number | null | undefined): number | undefined {
  return value === null || value === undefined || value <= 0 ? undefined : value;
}

function decode<A>(codec: t.Decoder<unknown, A>, body: unknown, what: string): A {
  const decoded = codec.decode(body);
  if (!isLeft(decoded)) return decoded.right;
  const failure: Failure = { kind: 'transient', message: `unreadable v0.0.38 ${what}: ${describeDecodeErrors(decoded.left)}` };
  throw new SlurmRequestError(failure);
}

/** Names the failing fields by path and expected type, never their values. */
function describeDecodeErrors(errors: t.Errors): string {
  const found = new Set<string>();
  for (const error of errors) {
    // Intersection and union members are context entries too: keep only keys of objects and arrays.
    const steps = error.context.filter((c, i) => i > 0 && PATH_TAGS.has(tagOf(error.context[i - 1]?.type)));
    const path = steps.map((c) => c.key).join('.') || '(body)';
    const expected = (steps.at(-1) ?? error.context[0])?.type.name ?? 'a value';
    found.add(`${path}: expected ${expected}`);
    if (found.size >= 3) break;
  }
  return [...found].join('; ');
}

const PATH_TAGS: ReadonlySet<string> = new Set(['InterfaceType', 'PartialType', 'ArrayType', 'DictionaryType', 'ExactType']);

function tagOf(type: t.Decoder<unknown, unknown> | undefined): string {
  const tag = (type as { _tag?: unknown } | undefined)?._tag;
  return typeof tag === 'string' ? tag : '';
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
