// Ordering between deployments (issue 21): the args fields `after_ok`, `after_any`, `after_not_ok`
// and `after` (lists of deployment ids of the same Config DB) and Slurm's own `dependency` string
// (for jobs outside the Config DB): their codecs, their checks, and the Slurm dependency they make
// once the deployments named have jobs.

import * as t from 'io-ts';

/** The list fields, in the order their parts are written, and the Slurm dependency type of each. */
export const AFTER_FIELDS = {
  after_ok: 'afterok',
  after_any: 'afterany',
  after_not_ok: 'afternotok',
  after: 'after',
} as const;
export type AfterField = keyof typeof AFTER_FIELDS;
export const AFTER_FIELD_NAMES = Object.keys(AFTER_FIELDS) as readonly AfterField[];

/** How the state of a deployment whose dependencies can never be met begins: read back after a restart. */
export const DEPENDENCY_FAILED = 'dependency failed: ';

/** More would be a workflow engine's business; Slurm takes any number, but a reason must stay readable. */
export const MAX_DEPENDENCIES = 64;
const MAX_ID_LENGTH = 256;

/** A deployment id as a Config DB key segment: no `/`, no blanks, no control characters. */
const isDeploymentId = (s: string) => s.length > 0 && s.length <= MAX_ID_LENGTH && !/[\s/\0-\x1f\x7f]/.test(s);
const DeploymentIds = t.refinement(
  t.array(t.string),
  (ids) => ids.length > 0 && ids.length <= MAX_DEPENDENCIES && ids.every(isDeploymentId) && new Set(ids).size === ids.length,
  'DeploymentIds',
);

/**
 * Slurm's `--dependency` text: `<type>:<job_id>[:<job_id>...]` (a job id may name an array task,
 * `after` may add `+<minutes>`), or `singleton`; joined by `,` (all of) or `?` (any of), not both.
 */
const JOB = String.raw`\d{1,10}(?:_(?:\d{1,10}|\*))?`;
const ELEMENT = String.raw`(?:after(?::${JOB}(?:\+\d{1,10})?)+|after(?:any|burstbuffer|corr|notok|ok)(?::${JOB})+|singleton)`;
const DEPENDENCY = new RegExp(String.raw`^${ELEMENT}(?:,${ELEMENT})*$|^${ELEMENT}(?:\?${ELEMENT})+$`);
export const isSlurmDependency = (s: string) => s.length <= 4096 && DEPENDENCY.test(s);

export const DEPENDENCY_FORMS: Readonly<Record<string, string>> = {
  DeploymentIds: `a non-empty list of distinct deployment ids (at most ${MAX_DEPENDENCIES}), e.g. ["pb-1-stage-a"]`,
  SlurmDependency:
    'Slurm\'s dependency list, <type>:<job_id>[:<job_id>...] joined by "," (all of) or "?" (any of): after, afterany, afterburstbuffer, aftercorr, afternotok, afterok, or singleton, e.g. "afterok:123:124"',
};

/** The args codecs, by field. */
export const dependencyFields = {
  after_ok: DeploymentIds,
  after_any: DeploymentIds,
  after_not_ok: DeploymentIds,
  after: DeploymentIds,
  dependency: t.refinement(t.string, isSlurmDependency, 'SlurmDependency'),
};

export interface DependencyArgs {
  readonly after_ok?: readonly string[];
  readonly after_any?: readonly string[];
  readonly after_not_ok?: readonly string[];
  readonly after?: readonly string[];
  /** Slurm's own dependency text, for jobs outside the Config DB. */
  readonly dependency?: string;
}

/** One deployment named by a list field. */
export interface NamedDependency {
  readonly id: string;
  readonly field: AfterField;
}

/** The deployments the args name, field by field in AFTER_FIELDS order. */
export function namedDependencies(args: DependencyArgs): NamedDependency[] {
  const named: NamedDependency[] = [];
  for (const field of AFTER_FIELD_NAMES) for (const id of args[field] ?? []) named.push({ id, field });
  return named;
}

export function hasNamedDependencies(args: DependencyArgs | undefined): boolean {
  return args !== undefined && AFTER_FIELD_NAMES.some((field) => (args[field]?.length ?? 0) > 0);
}

/** The distinct ids the args name, sorted. */
export function dependencyIdsOf(args: DependencyArgs | undefined): string[] {
  if (args === undefined) return [];
  return [...new Set(namedDependencies(args).map((d) => d.id))].sort();
}

/**
 * Why the args' dependencies cannot be taken, if they cannot: a `dependency` of "any of" (`?`)
 * beside lists, which Slurm would need "all of" (`,`) to join; with `selfId`, a deployment that
 * names itself.
 */
export function dependencyProblem(args: DependencyArgs, selfId?: string): string | undefined {
  for (const { id, field } of namedDependencies(args)) {
    if (id === selfId) return `args.${field}: a deployment cannot depend on itself`;
  }
  if (args.dependency?.includes('?') === true && hasNamedDependencies(args)) {
    return 'args.dependency: "?" (any of) cannot be joined to after_ok, after_any, after_not_ok or after, which all must hold; use "," or drop the lists';
  }
  return undefined;
}

/** The Slurm dependency of a submit: the lists' parts (job ids resolved, types in AFTER_FIELDS order), then `dependency`. */
export function slurmDependency(parts: ReadonlyMap<AfterField, readonly number[]>, raw: string | undefined): string | undefined {
  const written: string[] = [];
  for (const field of AFTER_FIELD_NAMES) {
    const jobIds = parts.get(field) ?? [];
    if (jobIds.length > 0) written.push(`${AFTER_FIELDS[field]}:${jobIds.join(':')}`);
  }
  if (raw !== undefined) written.push(raw);
  return written.length === 0 ? undefined : written.join(',');
}
