// The sbatch options a script's `#SBATCH` lines may give, each with the args field it sets and how
// its text becomes that field's value; the options the deployer owns or does not take, with why.
// The inverse (a JobSpec written back as `#SBATCH` lines) is here too, so that one table holds both.

import type { SlurmArgs } from './slurm-args.js';
import type { JobSpec } from './slurm-job.js';
import { DURATION_FORM, formatMailTypes, formatSignal, formatSlurmTime, readDuration, readSize, SIZE_FORM } from './sbatch-values.js';

type Field = keyof SlurmArgs & string;

export interface SbatchOption {
  readonly long: string;
  readonly short?: string;
  /** `none`: a flag; `optional`: only as --opt=value; `required`: --opt=value, --opt value, -X value, -Xvalue. */
  readonly argument: 'none' | 'optional' | 'required';
  readonly field: Field;
  /** The field's value for the option's text (undefined when given without one); undefined when the text is not taken. */
  readonly read: (text: string | undefined) => unknown;
  /** The accepted text in words, when it differs from the field's own form. */
  readonly form?: string;
}

const asText = (text: string | undefined) => text;
const INTEGER = /^-?\d{1,16}$/;
/** Text that is not an integer is passed on as it is: the field's codec then says what it takes. */
const asInteger = (text: string | undefined) => (text !== undefined && INTEGER.test(text) ? Number(text) : text);
const asSize = (text: string | undefined) => (text === undefined ? undefined : readSize(text));
/** sbatch's -o/-e "none" is /dev/null. */
const asFile = (text: string | undefined) => (text?.toLowerCase() === 'none' ? '/dev/null' : text);

const opt = (long: string, field: Field, argument: SbatchOption['argument'], read: SbatchOption['read'], extra: { short?: string; form?: string } = {}): SbatchOption => ({
  long,
  field,
  argument,
  read,
  ...extra,
});

export const SBATCH_OPTIONS: readonly SbatchOption[] = [
  opt('partition', 'partition', 'required', asText, { short: 'p' }),
  opt('time', 'time_limit', 'required', (t) => (t === undefined ? undefined : readDuration(t)), { short: 't', form: DURATION_FORM }),
  opt('nodes', 'nodes', 'required', (t) => (t !== undefined && /^\d{1,10}$/.test(t) ? Number(t) : undefined), { short: 'N', form: 'a node count (a deployment asks for an exact count, not a range)' }),
  opt('ntasks', 'tasks', 'required', asInteger, { short: 'n' }),
  opt('cpus-per-task', 'cpus_per_task', 'required', asInteger, { short: 'c' }),
  opt('mem', 'memory_per_node', 'required', asSize, { form: SIZE_FORM }),
  opt('chdir', 'current_working_directory', 'required', asText, { short: 'D' }),
  opt('account', 'account', 'required', asText, { short: 'A' }),
  opt('qos', 'qos', 'required', asText, { short: 'q' }),
  opt('output', 'standard_output', 'required', asFile, { short: 'o' }),
  opt('error', 'standard_error', 'required', asFile, { short: 'e' }),
  opt('gres', 'gres', 'required', asText),
  opt('gpus', 'gpus', 'required', asText, { short: 'G' }),
  opt('gpus-per-node', 'gpus_per_node', 'required', asText),
  opt('gpus-per-task', 'gpus_per_task', 'required', asText),
  opt('constraint', 'constraint', 'required', asText, { short: 'C' }),
  opt('exclusive', 'exclusive', 'optional', (t) => (t === undefined ? true : t), { form: '--exclusive, --exclusive=user or --exclusive=mcs' }),
  opt('reservation', 'reservation', 'required', asText),
  opt('ntasks-per-node', 'ntasks_per_node', 'required', asInteger),
  opt('mem-per-cpu', 'mem_per_cpu', 'required', asSize, { form: SIZE_FORM }),
  opt('mem-per-gpu', 'mem_per_gpu', 'required', asSize, { form: SIZE_FORM }),
  opt('cpus-per-gpu', 'cpus_per_gpu', 'required', asInteger),
  opt('begin', 'begin', 'required', asText, { short: 'b' }),
  opt('deadline', 'deadline', 'required', asText),
  opt('signal', 'signal', 'required', asText),
  opt('requeue', 'requeue', 'none', () => true),
  opt('no-requeue', 'requeue', 'none', () => false),
  // sbatch's bare --nice is an adjustment of 100.
  opt('nice', 'nice', 'optional', (t) => (t === undefined ? 100 : asInteger(t))),
  opt('priority', 'priority', 'required', asInteger),
  opt('licenses', 'licenses', 'required', asText, { short: 'L' }),
  opt('mail-type', 'mail_type', 'required', asText),
  opt('mail-user', 'mail_user', 'required', asText),
  opt('hold', 'hold', 'none', () => true, { short: 'H' }),
  opt('array', 'array', 'required', asText, { short: 'a' }),
  opt('distribution', 'distribution', 'required', asText, { short: 'm' }),
  opt('threads-per-core', 'threads_per_core', 'required', asInteger),
  opt('wckey', 'wckey', 'required', asText),
  opt('open-mode', 'open_mode', 'required', asText),
  // Job ids of jobs outside the Config DB: deployments are named by args.after_ok and the like.
  opt('dependency', 'dependency', 'required', asText, { short: 'd' }),
  opt('kill-on-invalid-dep', 'kill_on_invalid_dependency', 'required', (t) => (t === 'yes' ? true : t === 'no' ? false : undefined), { form: 'yes or no' }),
];

/** Options the deployer sets itself: a directive giving one fails the deployment, saying why. */
export const OWNED_OPTIONS: Readonly<Record<string, string>> = {
  'job-name': 'the deployer names the job after the deployment',
  J: 'the deployer names the job after the deployment',
  comment: "the deployer sets the comment (it carries the job's identity)",
  'mcs-label': "the deployer sets the label (its jobs' label)",
  export: "the job gets args.environment and the deployer's variables",
  'export-file': "the job gets args.environment and the deployer's variables",
};

/** A JobSpec's fields as `#SBATCH` lines: what readDirectives reads back as the same spec. */
export function directiveLinesOf(spec: JobSpec): string[] {
  const o = spec.options ?? {};
  const pairs: Array<[string, string | number | undefined]> = [
    ['partition', spec.partition],
    ['time', spec.timeLimitMinutes],
    ['nodes', spec.nodes],
    ['ntasks', spec.tasks],
    ['cpus-per-task', spec.cpusPerTask],
    ['mem', spec.memoryPerNodeMB],
    ['chdir', spec.currentWorkingDirectory],
    ['account', spec.account],
    ['qos', spec.qos],
    ['output', spec.standardOutput],
    ['error', spec.standardError],
    ['gres', o.gres],
    ['gpus', o.gpus],
    ['gpus-per-node', o.gpus_per_node],
    ['gpus-per-task', o.gpus_per_task],
    ['constraint', o.constraint],
    ['reservation', o.reservation],
    ['ntasks-per-node', o.ntasks_per_node],
    ['mem-per-cpu', o.mem_per_cpu],
    ['mem-per-gpu', o.mem_per_gpu],
    ['cpus-per-gpu', o.cpus_per_gpu],
    ['begin', o.begin === undefined ? undefined : formatSlurmTime(o.begin)],
    ['deadline', o.deadline === undefined ? undefined : formatSlurmTime(o.deadline)],
    ['signal', o.signal === undefined ? undefined : formatSignal(o.signal)],
    ['nice', o.nice],
    ['priority', o.priority],
    ['licenses', o.licenses],
    ['mail-type', o.mail_type === undefined ? undefined : formatMailTypes(o.mail_type)],
    ['mail-user', o.mail_user],
    ['array', o.array],
    ['distribution', o.distribution],
    ['threads-per-core', o.threads_per_core],
    ['wckey', o.wckey],
    ['open-mode', o.open_mode],
    ['kill-on-invalid-dep', o.kill_on_invalid_dependency === undefined ? undefined : o.kill_on_invalid_dependency ? 'yes' : 'no'],
    ['dependency', o.dependency],
  ];
  const lines = pairs.filter(([, v]) => v !== undefined).map(([name, v]) => `#SBATCH --${name}=${quoted(String(v))}`);
  if (o.exclusive !== undefined) lines.push(o.exclusive === 'node' ? '#SBATCH --exclusive' : `#SBATCH --exclusive=${o.exclusive}`);
  if (o.requeue !== undefined) lines.push(o.requeue ? '#SBATCH --requeue' : '#SBATCH --no-requeue');
  if (o.hold === true) lines.push('#SBATCH --hold');
  return lines;
}

/** A value as one sbatch argument: in double quotes, with \ and " escaped, when it needs them. */
function quoted(value: string): string {
  return value !== '' && !/[\s"'\\#]/.test(value) ? value : `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
