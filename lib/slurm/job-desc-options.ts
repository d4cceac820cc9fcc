// Renders a job's sbatch options (JobOptions) into the fields of each REST version's submit body.
// v0.0.38 hands its fields to sbatch's own option parsers (slurm_process_option_data), so they
// take sbatch's text forms; v0.0.39 on take data_parser's typed fields (TRES strings, flag lists,
// `{set, number}` numbers). An option a version cannot carry throws a permanent SlurmRequestError
// naming it: the deployment is FAILED, never submitted without it.

import type { JobOptions } from '../core/job-options.js';
import { formatMailTypes, type MailType, type SlurmTime } from '../core/sbatch-values.js';
import type { SlurmApiVersion } from './api-versions.js';
import { setNumber } from './no-val-number.js';
import { SlurmRequestError } from './slurm-api.js';

/** The Unix time now, in seconds: what relative and absolute times are resolved against. */
export type Clock = () => number;
export const systemClock: Clock = () => Math.floor(Date.now() / 1000);

function notExpressible(option: string, version: SlurmApiVersion, why: string): SlurmRequestError {
  return new SlurmRequestError({ kind: 'permanent', message: `args.${option}: not expressible in REST API ${version} (${why})` });
}

const secondsFromNow = (time: SlurmTime, now: number) => ('after' in time ? time.after : Math.max(0, time.at - now));
const unixTimeOf = (time: SlurmTime, now: number) => ('after' in time ? now + time.after : time.at);

/** The options every version takes as they are, under the same field names. */
function asGivenOnEveryVersion(o: JobOptions): Record<string, unknown> {
  return {
    constraints: o.constraint,
    reservation: o.reservation,
    tasks_per_node: o.ntasks_per_node,
    nice: o.nice,
    licenses: o.licenses,
    mail_user: o.mail_user,
    hold: o.hold,
    array: o.array,
    distribution: o.distribution,
    threads_per_core: o.threads_per_core,
    wckey: o.wckey,
    // The same text as sbatch's --dependency (slurmctld parses it), on every version.
    dependency: o.dependency,
  };
}

/** v0.0.38's `job_properties` fields: sbatch's option names (underscored) and text forms. */
export function optionFieldsV0038(o: JobOptions, now: number): Record<string, unknown> {
  const v = 'v0.0.38';
  if (o.signal?.target === 'batch') throw notExpressible('signal', v, 'slurmrestd 22.05 refuses B: as "Invalid SIGNAL specification"; drop B: or use v0.0.39 or later');
  const signal = o.signal === undefined ? undefined : `${o.signal.target === 'reservation' ? 'R:' : ''}${o.signal.signal}@${o.signal.seconds}`;
  return {
    ...asGivenOnEveryVersion(o),
    gres: o.gres,
    gpus: o.gpus,
    gpus_per_node: o.gpus_per_node,
    gpus_per_task: o.gpus_per_task,
    exclusive: o.exclusive === 'node' ? 'exclusive' : o.exclusive,
    memory_per_cpu: o.mem_per_cpu,
    memory_per_gpu: o.mem_per_gpu,
    cpus_per_gpu: o.cpus_per_gpu,
    // parse_time() text: "now+N" needs no knowledge of slurmrestd's time zone.
    begin_time: o.begin === undefined ? undefined : `now+${secondsFromNow(o.begin, now)}`,
    deadline: o.deadline === undefined ? undefined : `now+${secondsFromNow(o.deadline, now)}`,
    signal,
    // `requeue: false` is read and ignored (the job read back requeue: true); --no-requeue is honoured.
    ...(o.requeue === undefined ? {} : o.requeue ? { requeue: true } : { no_requeue: true }),
    priority: o.priority,
    mail_type: o.mail_type === undefined || o.mail_type.length === 0 ? undefined : formatMailTypes(o.mail_type),
    open_mode: o.open_mode,
    kill_on_invalid_dependency: o.kill_on_invalid_dependency,
  };
}

/** data_parser's mail flags for sbatch's mail type names. */
const MAIL_FLAGS: Readonly<Record<MailType, string>> = {
  BEGIN: 'BEGIN',
  END: 'END',
  FAIL: 'FAIL',
  REQUEUE: 'REQUEUE',
  STAGE_OUT: 'STAGE_OUT',
  INVALID_DEPEND: 'INVALID_DEPENDENCY',
  TIME_LIMIT: 'TIME=100%',
  TIME_LIMIT_90: 'TIME=90%',
  TIME_LIMIT_80: 'TIME=80%',
  TIME_LIMIT_50: 'TIME=50%',
  ARRAY_TASKS: 'ARRAY_TASKS',
};

const gpuTres = (count: string | undefined) => (count === undefined ? undefined : `gres/gpu:${count}`);

/** The `job_desc_msg` fields of v0.0.39 to v0.0.45. */
export function optionFieldsJobDesc(o: JobOptions, version: SlurmApiVersion, now: number): Record<string, unknown> {
  // 24.11's v0.0.40 answers "data_parser/v0.0.40 does not support parser 208 for parsing" and drops it.
  if (o.distribution !== undefined && version === 'v0.0.40') throw notExpressible('distribution', version, 'its parser drops the field; use v0.0.41 or later');
  const perNode = [...(o.gres?.split(',').map((g) => `gres/${g}`) ?? []), ...(o.gpus_per_node === undefined ? [] : [`gres/gpu:${o.gpus_per_node}`])];
  const begin = o.begin === undefined ? undefined : unixTimeOf(o.begin, now);
  const flags = o.kill_on_invalid_dependency === undefined ? undefined : [o.kill_on_invalid_dependency ? 'KILL_INVALID_DEPENDENCY' : 'NO_KILL_INVALID_DEPENDENCY'];
  const warnFlags = o.signal?.target === 'batch' ? ['BATCH_JOB'] : o.signal?.target === 'reservation' ? ['RESERVATION_JOB'] : undefined;
  return {
    ...asGivenOnEveryVersion(o),
    tres_per_job: gpuTres(o.gpus),
    tres_per_node: perNode.length === 0 ? undefined : perNode.join(','),
    tres_per_task: gpuTres(o.gpus_per_task),
    cpus_per_tres: o.cpus_per_gpu === undefined ? undefined : `gres/gpu:${o.cpus_per_gpu}`,
    memory_per_tres: o.mem_per_gpu === undefined ? undefined : `gres/gpu:${o.mem_per_gpu}`,
    // Exclusive is a sharing mode here ("none": sbatch's bare --exclusive).
    shared: o.exclusive === undefined ? undefined : [o.exclusive === 'node' ? 'none' : o.exclusive],
    memory_per_cpu: o.mem_per_cpu === undefined ? undefined : setNumber(o.mem_per_cpu),
    // A plain integer in v0.0.39, a `{set, number}` from v0.0.40.
    begin_time: begin === undefined ? undefined : version === 'v0.0.39' ? begin : setNumber(begin),
    deadline: o.deadline === undefined ? undefined : unixTimeOf(o.deadline, now),
    kill_warning_signal: o.signal?.signal,
    kill_warning_delay: o.signal === undefined ? undefined : setNumber(o.signal.seconds),
    kill_warning_flags: warnFlags,
    requeue: o.requeue,
    priority: o.priority === undefined ? undefined : setNumber(o.priority),
    mail_type: o.mail_type === undefined || o.mail_type.length === 0 ? undefined : o.mail_type.map((t) => MAIL_FLAGS[t]),
    open_mode: o.open_mode === undefined ? undefined : [o.open_mode.toUpperCase()],
    flags,
  };
}
