// The `args` of a slurm deployment (docs/deployments.md#the-deployments-args), decoded with io-ts
// at the edge of the core into SlurmArgs (slurm-args.ts). A decode failure names the bad field and
// never echoes its value.

import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { describeDecodeErrors } from './decode-errors.js';
import { DEPENDENCY_FORMS, dependencyFields, dependencyProblem } from './dependencies.js';
import { OPTION_FORMS, optionFields } from './job-options.js';
import { nearestName } from './nearest-name.js';
import { readDirectives } from './sbatch-directives.js';
import type { SlurmArgs } from './slurm-args.js';

/**
 * The largest values Slurm stores as given. Slurm keeps counts and minutes in 32-bit fields whose
 * top values mean "no value" or "no limit", and its REST parser reads them through a signed int:
 * 2^31 minutes became "no limit", 10^12 became 4283415212. cpus_per_task is a 16-bit field.
 * Memory (MB, 64-bit in Slurm) is bounded by what a JSON number holds exactly.
 */
export const SLURM_LIMITS = {
  time_limit: 2 ** 31 - 2,
  nodes: 2 ** 31 - 2,
  tasks: 2 ** 31 - 2,
  cpus_per_task: 2 ** 16 - 3,
  memory_per_node: Number.MAX_SAFE_INTEGER,
} as const;

/** Slurm's default max_script_size (4 MB); a longer script is refused by slurmctld anyway. */
export const MAX_SCRIPT_LENGTH = 4 * 1024 * 1024;
/** Names and paths (partition, account, qos, directories, files): PATH_MAX. */
export const MAX_NAME_LENGTH = 4096;
/** One command word or environment value: Linux's MAX_ARG_STRLEN. */
export const MAX_WORD_LENGTH = 128 * 1024;

/** A positive integer of at most `max`; describeErrors reads the bound back from the name. */
const positiveIntUpTo = (max: number) => t.refinement(t.number, (n) => Number.isInteger(n) && n > 0 && n <= max, `PositiveInt<=${max}`);

/** A string without NUL bytes (a NUL cuts a C string, and with it the script, short) and not too long. */
const text = (options: { readonly nonEmpty: boolean; readonly max: number }) =>
  t.refinement(t.string, (s) => (!options.nonEmpty || s.length > 0) && s.length <= options.max && !s.includes('\0'), `${options.nonEmpty ? 'NonEmptyText' : 'Text'}<=${options.max}`);
const Word = text({ nonEmpty: false, max: MAX_WORD_LENGTH });
const Name = text({ nonEmpty: true, max: MAX_NAME_LENGTH });
const Script = text({ nonEmpty: true, max: MAX_SCRIPT_LENGTH });

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
interface EnvironmentBrand {
  readonly Environment: unique symbol;
}
const Environment = t.brand(
  t.record(t.string, Word),
  (env): env is t.Branded<Record<string, string>, EnvironmentBrand> => Object.keys(env).every((k) => ENV_NAME.test(k) && k.length <= MAX_NAME_LENGTH),
  'Environment',
);

const Argv = t.refinement(t.array(Word), (a) => a.length > 0, 'Argv');

const argsFields = {
  script: Script,
  command: Argv,
  environment: Environment,
  partition: Name,
  time_limit: positiveIntUpTo(SLURM_LIMITS.time_limit),
  nodes: positiveIntUpTo(SLURM_LIMITS.nodes),
  tasks: positiveIntUpTo(SLURM_LIMITS.tasks),
  cpus_per_task: positiveIntUpTo(SLURM_LIMITS.cpus_per_task),
  memory_per_node: positiveIntUpTo(SLURM_LIMITS.memory_per_node),
  current_working_directory: Name,
  account: Name,
  qos: Name,
  standard_output: Name,
  standard_error: Name,
  ...optionFields,
  ...dependencyFields,
};
const SlurmArgsCodec = t.exact(t.partial(argsFields));

/** Codec names that are not already what the reason should say. */
const EXPECTED: Readonly<Record<string, string>> = {
  Argv: 'a non-empty list of strings',
  Environment: 'an object of string values with names like NAME_1',
  number: 'a number',
  string: 'a string',
};

export type ArgsDecoding = { readonly ok: true; readonly args: SlurmArgs } | { readonly ok: false; readonly reason: string };

/** Decodes `args`; on failure the reason names the field, e.g. `args.time_limit: expected a positive integer of at most 2147483646`. */
export function decodeSlurmArgs(raw: unknown): ArgsDecoding {
  if (raw === undefined || raw === null) return { ok: false, reason: 'args: missing; one of args.script or args.command is required' };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'args: expected an object' };
  const unknownKey = Object.keys(raw).find((k) => !Object.hasOwn(argsFields, k));
  if (unknownKey !== undefined) return { ok: false, reason: unknownFieldReason(unknownKey) };
  // Valid args (the usual case) pass the codec's guard, which allocates nothing; only invalid
  // ones are decoded, for the reason. Unknown keys are refused above, so there is nothing to strip.
  const args = SlurmArgsCodec.is(raw) ? raw : decodedOrReason(raw);
  if (typeof args === 'string') return { ok: false, reason: args };
  if (args.script === undefined && args.command === undefined) {
    return { ok: false, reason: 'args.script: one of args.script or args.command is required' };
  }
  if (args.script !== undefined && args.command !== undefined) {
    return { ok: false, reason: 'args.command: give args.script or args.command, not both' };
  }
  const merged = args.script === undefined ? args : withDirectives(args, args.script);
  if (typeof merged === 'string') return { ok: false, reason: merged };
  const problem = dependencyProblem(merged);
  return problem === undefined ? { ok: true, args: merged } : { ok: false, reason: problem };
}

/**
 * The args with what the script's `#SBATCH` lines give, args winning (as sbatch's command line
 * wins over directives); or why a directive is not taken, naming its line and option.
 */
function withDirectives(args: SlurmArgs, script: string): SlurmArgs | string {
  const reading = readDirectives(script);
  if (!reading.ok) return reading.reason;
  if (reading.values.length === 0) return args;
  const given: Record<string, unknown> = {};
  for (const { option, value, line, shown } of reading.values) {
    const where = `script line ${line}: ${shown}`;
    if (option.field === 'current_working_directory' && args.current_working_directory !== undefined) {
      return `${where}: args.current_working_directory is set too; give the directory in one place`;
    }
    const one = { [option.field]: value };
    if (!SlurmArgsCodec.is(one)) {
      const reason = decodedOrReason(one);
      return typeof reason === 'string' ? reason.replace(/^args\.[a-z_]+:/, `${where}:`) : `${where}: invalid`;
    }
    given[option.field] = value;
  }
  return { ...given, ...args };
}

function decodedOrReason(raw: unknown): SlurmArgs | string {
  const decoded = SlurmArgsCodec.decode(raw);
  return isLeft(decoded) ? describeErrors(decoded.left) : decoded.right;
}

/** `args.time_limit: expected ...`: the first failure, keys printed safely. */
function describeErrors(errors: t.Errors): string {
  return describeDecodeErrors(errors, { root: 'args', rootInPath: true, key: safeKey, expected });
}

/** What the field should have been; says which limit the value broke, never the value. */
function expected(typeName: string, value: unknown): string {
  const bounded = /^(PositiveInt|NonEmptyText|Text)<=(\d+)$/.exec(typeName);
  if (bounded === null) return EXPECTED[typeName] ?? OPTION_FORMS[typeName] ?? DEPENDENCY_FORMS[typeName] ?? typeName;
  const [, kind, max] = bounded;
  if (kind === 'PositiveInt') {
    return typeof value === 'number' && Number.isInteger(value) && value > 0 ? `a positive integer of at most ${max}` : 'a positive integer';
  }
  const what = kind === 'NonEmptyText' ? 'a non-empty string' : 'a string';
  if (typeof value !== 'string' || value.length === 0) return what;
  if (value.includes('\0')) return `${what} without NUL bytes`;
  return `${what} of at most ${max} characters`;
}

/** The args fields sbatch users know by their sbatch names, and those the deployer sets itself. */
const SBATCH_NAMES: Readonly<Record<string, string>> = {
  ntasks: 'tasks',
  time: 'time_limit',
  mem: 'memory_per_node',
  chdir: 'current_working_directory',
  output: 'standard_output',
  error: 'standard_error',
  kill_on_invalid_dep: 'kill_on_invalid_dependency',
  afterok: 'after_ok',
  afterany: 'after_any',
  afternotok: 'after_not_ok',
};
const OWNED: Readonly<Record<string, string>> = {
  comment: 'the deployer sets it (it carries the job\'s identity)',
  mcs_label: 'the deployer sets it (its jobs\' label)',
  job_name: 'the deployer names the job after the deployment',
  name: 'the deployer names the job after the deployment',
  export: 'the job gets args.environment and the deployer\'s variables',
};
export const ACCEPTED_FIELDS: readonly string[] = Object.keys(argsFields);

/** `args.gress: unknown field; did you mean gres?`, or the accepted fields when none is near. */
export function unknownFieldReason(key: string): string {
  const field = `args.${safeKey(key)}`;
  const owned = OWNED[key];
  if (owned !== undefined) return `${field}: not accepted: ${owned}`;
  const meant = SBATCH_NAMES[key] ?? nearestName(key, ACCEPTED_FIELDS);
  if (meant !== undefined) return `${field}: unknown field; did you mean ${meant}?`;
  return `${field}: unknown field; accepted: ${ACCEPTED_FIELDS.join(', ')}`;
}

/** Keys come from users; keep them printable and short in messages. */
function safeKey(key: string): string {
  const printable = key.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 64 ? `${printable.slice(0, 64)}...` : printable;
}
