// The `args` of a slurm deployment (CONTRACT section 2), decoded with io-ts at the edge of the
// core. A decode failure names the bad field and never echoes its value.

import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';

interface PositiveIntBrand {
  readonly PositiveInt: unique symbol;
}
const PositiveInt = t.brand(
  t.number,
  (n): n is t.Branded<number, PositiveIntBrand> => Number.isInteger(n) && n > 0,
  'PositiveInt',
);

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
interface EnvironmentBrand {
  readonly Environment: unique symbol;
}
const Environment = t.brand(
  t.record(t.string, t.string),
  (env): env is t.Branded<Record<string, string>, EnvironmentBrand> => Object.keys(env).every((k) => ENV_NAME.test(k)),
  'Environment',
);

const NonEmptyString = t.refinement(t.string, (s) => s.length > 0, 'NonEmptyString');
const Argv = t.refinement(t.array(t.string), (a) => a.length > 0, 'Argv');

const argsFields = {
  script: NonEmptyString,
  command: Argv,
  environment: Environment,
  partition: NonEmptyString,
  time_limit: PositiveInt,
  nodes: PositiveInt,
  tasks: PositiveInt,
  cpus_per_task: PositiveInt,
  memory_per_node: PositiveInt,
  current_working_directory: NonEmptyString,
  account: NonEmptyString,
  qos: NonEmptyString,
  standard_output: NonEmptyString,
  standard_error: NonEmptyString,
};
const SlurmArgsCodec = t.exact(t.partial(argsFields));

/** Decoded args: plain types inside the core (the codec's brands stay at the edge). */
export interface SlurmArgs {
  readonly script?: string;
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly partition?: string;
  readonly time_limit?: number;
  readonly nodes?: number;
  readonly tasks?: number;
  readonly cpus_per_task?: number;
  readonly memory_per_node?: number;
  readonly current_working_directory?: string;
  readonly account?: string;
  readonly qos?: string;
  readonly standard_output?: string;
  readonly standard_error?: string;
}

const EXPECTED: Readonly<Record<string, string>> = {
  PositiveInt: 'a positive integer',
  NonEmptyString: 'a non-empty string',
  Argv: 'a non-empty list of strings',
  Environment: 'an object of string values with names like NAME_1',
  string: 'a string',
};

export type ArgsDecoding = { readonly ok: true; readonly args: SlurmArgs } | { readonly ok: false; readonly reason: string };

/** Decodes `args`; on failure the reason names the field, e.g. `args.time_limit: expected a positive integer`. */
export function decodeSlurmArgs(raw: unknown): ArgsDecoding {
  if (raw === undefined || raw === null) return { ok: false, reason: 'args: missing; one of args.script or args.command is required' };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'args: expected an object' };
  const unknownKey = Object.keys(raw).find((k) => !Object.hasOwn(argsFields, k));
  if (unknownKey !== undefined) return { ok: false, reason: `args.${safeKey(unknownKey)}: unknown field` };
  const decoded = SlurmArgsCodec.decode(raw);
  if (isLeft(decoded)) return { ok: false, reason: describeErrors(decoded.left) };
  const args: SlurmArgs = decoded.right;
  if (args.script === undefined && args.command === undefined) {
    return { ok: false, reason: 'args.script: one of args.script or args.command is required' };
  }
  if (args.script !== undefined && args.command !== undefined) {
    return { ok: false, reason: 'args.command: give args.script or args.command, not both' };
  }
  return { ok: true, args };
}

function describeErrors(errors: t.Errors): string {
  const first = errors[0];
  if (first === undefined) return 'args: invalid';
  // The context runs from the root codec down to the failing value; keys name the path.
  const named = first.context.filter((c) => c.key !== '');
  const keys = named.map((c) => c.key);
  const leafType = named.at(-1)?.type.name ?? '';
  const expected = EXPECTED[leafType] ?? leafType;
  const path = ['args', ...keys.map(safeKey)].join('.');
  return `${path}: expected ${expected}`;
}

/** Keys come from users; keep them printable and short in messages. */
function safeKey(key: string): string {
  const printable = key.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 64 ? `${printable.slice(0, 64)}...` : printable;
}
