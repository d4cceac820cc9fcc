// The sbatch options a deployment may ask for beyond the basic ones
// (docs/deployments.md#the-deployments-args): their args codecs, the form each takes in words, and
// the normalized JobOptions adapters render. Field names are sbatch's long options in snake case;
// their values take sbatch's forms.

import * as t from 'io-ts';
import {
  ARRAY_FORM,
  DISTRIBUTION_FORM,
  GPU_COUNT_FORM,
  GRES_FORM,
  isArraySpec,
  isDistribution,
  isGres,
  isLicenses,
  LICENSES_FORM,
  MAIL_TYPE_FORM,
  readGpuCount,
  readMailTypes,
  readSignal,
  readSlurmTime,
  SIGNAL_FORM,
  TIME_FORM,
  type MailType,
  type SlurmSignal,
  type SlurmTime,
} from './sbatch-values.js';

/** The options as adapters render them: parsed, defaults left out. */
export interface JobOptions {
  /** Generic resources per node (sbatch --gres). */
  readonly gres?: string;
  /** `[type:]count`, per job, node and task. */
  readonly gpus?: string;
  /** `[type:]count` GPUs per node (sbatch --gpus-per-node). */
  readonly gpus_per_node?: string;
  /** `[type:]count` GPUs per task (sbatch --gpus-per-task). */
  readonly gpus_per_task?: string;
  /** Node features required (sbatch --constraint). */
  readonly constraint?: string;
  /** `node` is sbatch's bare --exclusive. */
  readonly exclusive?: 'node' | 'user' | 'mcs';
  /** The reservation to run in (sbatch --reservation). */
  readonly reservation?: string;
  /** Tasks per node (sbatch --ntasks-per-node). */
  readonly ntasks_per_node?: number;
  /** Memory per CPU, MB (sbatch --mem-per-cpu). */
  readonly mem_per_cpu?: number;
  /** Memory per GPU, MB (sbatch --mem-per-gpu). */
  readonly mem_per_gpu?: number;
  /** CPUs per GPU (sbatch --cpus-per-gpu). */
  readonly cpus_per_gpu?: number;
  /** Not started before this time (sbatch --begin). */
  readonly begin?: SlurmTime;
  /** Removed if it cannot end by this time (sbatch --deadline). */
  readonly deadline?: SlurmTime;
  /** A signal sent before the time limit (sbatch --signal). */
  readonly signal?: SlurmSignal;
  /** Whether Slurm may requeue the job (sbatch --requeue, --no-requeue). */
  readonly requeue?: boolean;
  /** A scheduling priority adjustment (sbatch --nice). */
  readonly nice?: number;
  /** A fixed priority (sbatch --priority). */
  readonly priority?: number;
  /** Licenses needed (sbatch --licenses). */
  readonly licenses?: string;
  /** Events mailed about (sbatch --mail-type). */
  readonly mail_type?: readonly MailType[];
  /** Who is mailed (sbatch --mail-user). */
  readonly mail_user?: string;
  /** Only true: a job is not held unless asked. */
  readonly hold?: true;
  /** Array indexes, e.g. `0-15%4` (sbatch --array). */
  readonly array?: string;
  /** Task distribution (sbatch --distribution). */
  readonly distribution?: string;
  /** Threads per core (sbatch --threads-per-core). */
  readonly threads_per_core?: number;
  /** The workload characterization key (sbatch --wckey). */
  readonly wckey?: string;
  /** How output files are opened (sbatch --open-mode). */
  readonly open_mode?: 'append' | 'truncate';
  /** Whether a job whose dependency can never be met is removed (sbatch --kill-on-invalid-dep). */
  readonly kill_on_invalid_dependency?: boolean;
  /** Slurm's dependency text: the deployments' jobs named by the after_* lists, then args.dependency. */
  readonly dependency?: string;
}

/** Slurm's largest nice adjustment (NICE_OFFSET - 3). */
export const MAX_NICE = 2 ** 31 - 3;
/** Counts Slurm keeps in 16 bits (tasks per node, threads per core, CPUs per GPU). */
const MAX_COUNT16 = 2 ** 16 - 3;
const MAX_COUNT32 = 2 ** 31 - 2;
const MAX_TEXT = 4096;

/** A refinement whose name is looked up in FORMS for the reason (`expected <form>`). */
const form = <A>(codec: t.Type<A, A, unknown>, name: string, ok: (a: A) => boolean) => t.refinement(codec, ok, name);
const plainText = (s: string) => s.length > 0 && s.length <= MAX_TEXT && !/[\0\n\r]/.test(s);
const count = (max: number, name: string) => form(t.number, name, (n) => Number.isInteger(n) && n > 0 && n <= max);
const GpuCount = t.refinement(t.union([t.number, t.string]), (v) => readGpuCount(v) !== undefined, 'GpuCount');
const Time = form(t.string, 'SlurmTime', (s) => readSlurmTime(s) !== undefined);

/** What each named codec takes, in the words of a reason. */
export const OPTION_FORMS: Readonly<Record<string, string>> = {
  Gres: GRES_FORM,
  GpuCount: GPU_COUNT_FORM,
  Line: 'a non-empty string of one line',
  Exclusive: 'true, "user" or "mcs"',
  Count16: `a positive integer of at most ${MAX_COUNT16}`,
  Count32: `a positive integer of at most ${MAX_COUNT32}`,
  MegaBytes: `a positive integer (megabytes) of at most ${Number.MAX_SAFE_INTEGER}`,
  SlurmTime: TIME_FORM,
  Signal: SIGNAL_FORM,
  Nice: `an integer from -${MAX_NICE} to ${MAX_NICE}`,
  Licenses: LICENSES_FORM,
  MailType: MAIL_TYPE_FORM,
  ArraySpec: ARRAY_FORM,
  Distribution: DISTRIBUTION_FORM,
  OpenMode: '"append" or "truncate"',
  boolean: 'true or false',
};

const Line = form(t.string, 'Line', plainText);

/** The args codecs of the options, by field. */
export const optionFields = {
  gres: form(t.string, 'Gres', isGres),
  gpus: GpuCount,
  gpus_per_node: GpuCount,
  gpus_per_task: GpuCount,
  constraint: Line,
  exclusive: t.refinement(t.union([t.boolean, t.string]), (v) => v === true || v === 'user' || v === 'mcs', 'Exclusive'),
  reservation: Line,
  ntasks_per_node: count(MAX_COUNT16, 'Count16'),
  mem_per_cpu: count(Number.MAX_SAFE_INTEGER, 'MegaBytes'),
  mem_per_gpu: count(Number.MAX_SAFE_INTEGER, 'MegaBytes'),
  cpus_per_gpu: count(MAX_COUNT16, 'Count16'),
  begin: Time,
  deadline: Time,
  signal: form(t.string, 'Signal', (s) => readSignal(s) !== undefined),
  requeue: t.boolean,
  nice: form(t.number, 'Nice', (n) => Number.isInteger(n) && Math.abs(n) <= MAX_NICE),
  priority: count(MAX_COUNT32, 'Count32'),
  licenses: form(t.string, 'Licenses', isLicenses),
  mail_type: form(t.string, 'MailType', (s) => readMailTypes(s) !== undefined),
  mail_user: Line,
  hold: t.boolean,
  array: form(t.string, 'ArraySpec', isArraySpec),
  distribution: form(t.string, 'Distribution', isDistribution),
  threads_per_core: count(MAX_COUNT16, 'Count16'),
  wckey: Line,
  open_mode: t.refinement(t.string, (s) => s === 'append' || s === 'truncate', 'OpenMode'),
  kill_on_invalid_dependency: t.boolean,
};

/** The options as args hold them, decoded (sbatch's forms, not yet parsed). */
export type OptionArgs = { readonly [K in keyof typeof optionFields]?: t.TypeOf<(typeof optionFields)[K]> };

export const OPTION_NAMES = Object.keys(optionFields) as readonly (keyof typeof optionFields)[];

/** Parses decoded option args (the codecs have checked them) into JobOptions, defaults left out. */
export function jobOptionsOf(args: OptionArgs & { readonly dependency?: string }): JobOptions {
  const o: Record<string, unknown> = {};
  const put = (key: keyof JobOptions, value: unknown) => {
    if (value !== undefined) o[key] = value;
  };
  put('gres', args.gres);
  put('gpus', args.gpus === undefined ? undefined : readGpuCount(args.gpus));
  put('gpus_per_node', args.gpus_per_node === undefined ? undefined : readGpuCount(args.gpus_per_node));
  put('gpus_per_task', args.gpus_per_task === undefined ? undefined : readGpuCount(args.gpus_per_task));
  put('constraint', args.constraint);
  put('exclusive', args.exclusive === true ? 'node' : args.exclusive);
  put('reservation', args.reservation);
  put('ntasks_per_node', args.ntasks_per_node);
  put('mem_per_cpu', args.mem_per_cpu);
  put('mem_per_gpu', args.mem_per_gpu);
  put('cpus_per_gpu', args.cpus_per_gpu);
  put('begin', args.begin === undefined ? undefined : readSlurmTime(args.begin));
  put('deadline', args.deadline === undefined ? undefined : readSlurmTime(args.deadline));
  put('signal', args.signal === undefined ? undefined : readSignal(args.signal));
  put('requeue', args.requeue);
  put('nice', args.nice);
  put('priority', args.priority);
  put('licenses', args.licenses);
  put('mail_type', args.mail_type === undefined ? undefined : readMailTypes(args.mail_type));
  put('mail_user', args.mail_user);
  put('hold', args.hold === true ? true : undefined);
  put('array', args.array);
  put('distribution', args.distribution);
  put('threads_per_core', args.threads_per_core);
  put('wckey', args.wckey);
  put('open_mode', args.open_mode);
  put('kill_on_invalid_dependency', args.kill_on_invalid_dependency);
  put('dependency', args.dependency);
  return o as JobOptions;
}
