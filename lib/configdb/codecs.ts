// The values stored in the Config DB, decoded with io-ts at the edge: a deployment (current and
// older field names) and the state written back. Reasons name the field, never echo a value.

import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { describeDecodeErrors } from '../core/decode-errors.js';
import type { DeploymentState } from '../core/deployment-state.js';
import type { DeploymentEntry, InvalidDeployment } from '../core/events.js';
import { DEPLOYMENT_STATUSES, isTerminalStatus, type DeploymentStatus } from '../core/status.js';
import type { InFlightSubmit, RegisteredJob, Watermark } from '../core/world.js';
import { isDeploymentId } from './paths.js';

const NonEmptyString = t.refinement(t.string, (s) => s.length > 0, 'NonEmptyString');

/** ska-sdp-config now writes `key`/`kind`; releases before it wrote `id`/`type`. */
const KindFields = t.partial({ kind: NonEmptyString, type: NonEmptyString });
const IdFields = t.partial({ key: t.string, id: t.string });

const EXPECTED: Readonly<Record<string, string>> = {
  NonEmptyString: 'a non-empty string',
  string: 'a string',
};

/** A deployment value decoded, or why it is invalid. */
export type DeploymentDecoding =
  | { readonly ok: true; readonly deployment: DeploymentEntry }
  | { readonly ok: false; readonly invalid: InvalidDeployment };

/**
 * Decodes the value stored at `/deploy/<id>`; `id` comes from the key. The kind is read first: a
 * deployment of another kind belongs to another deployer and is returned as it is, never as
 * invalid, so that this deployer never answers for it.
 */
export function decodeDeployment(id: string, text: string, revision: number): DeploymentDecoding {
  const invalid = (reason: string): DeploymentDecoding => ({ ok: false, invalid: { id, reason, revision } });
  const value = parseJson(text);
  if (value === NOT_JSON) return invalid('value: not valid JSON');
  if (!t.UnknownRecord.is(value)) return invalid('value: expected a JSON object');

  const kinds = KindFields.decode(value);
  if (isLeft(kinds)) return invalid(describeFirstError(kinds.left));
  const kind = kinds.right.kind ?? kinds.right.type;
  if (kind === undefined) return invalid('kind: missing (nor the older field type)');
  const deployment: DeploymentEntry = { id, kind, args: value['args'], revision };
  if (kind !== 'slurm') return { ok: true, deployment };

  if (!isDeploymentId(id)) return invalid('key: the deployment id in the key path does not match ^[A-Za-z0-9\\-]{1,96}$');
  const ids = IdFields.decode(value);
  if (isLeft(ids)) return invalid(describeFirstError(ids.left));
  for (const field of ['key', 'id'] as const) {
    const named = ids.right[field];
    if (named !== undefined && named !== id) return invalid(`${field}: does not match the deployment id in the key path`);
  }
  return { ok: true, deployment };
}

const Status = t.keyof(
  Object.fromEntries(DEPLOYMENT_STATUSES.map((s) => [s, null])) as Record<DeploymentStatus, null>,
  'DeploymentStatus',
);

const stateFields = {
  status: Status,
  job_id: t.Int,
  slurm_state: t.string,
  reason: t.string,
  exit_code: t.Int,
  signal: t.Int,
  generation: t.Int,
  duplicate_jobs: t.array(t.Int),
  spec: t.string,
};
type StateField = keyof typeof stateFields;
const STATE_FIELDS = Object.keys(stateFields).sort() as StateField[];

/**
 * Decodes `/deploy/<id>/state` leniently: keeps the known fields that have the right type and
 * drops the rest. Without a known status the state is unreadable and undefined is returned.
 */
export function decodeState(text: string): DeploymentState | undefined {
  const value = parseJson(text);
  if (value === NOT_JSON || !t.UnknownRecord.is(value)) return undefined;
  const kept: Record<string, unknown> = {};
  for (const field of STATE_FIELDS) {
    const decoded = stateFields[field].decode(value[field]);
    if (!isLeft(decoded)) kept[field] = decoded.right;
  }
  return kept['status'] === undefined ? undefined : (kept as unknown as DeploymentState);
}

/** The state as ska-sdp-config writes values: sorted keys, two-space indent, known fields only. */
export function encodeState(state: DeploymentState): string {
  const fields: Record<string, unknown> = {};
  for (const field of STATE_FIELDS) {
    if (state[field] !== undefined) fields[field] = state[field];
  }
  return JSON.stringify(fields, null, 2);
}

/** A submit in flight as stored: its settle time as an ISO 8601 instant, for the operator reading it. */
const InFlightValue = t.intersection([t.type({ deployment: t.string, submit_id: t.string }), t.partial({ settles_at: t.string })]);
const WatermarkValue = t.intersection([t.type({ floor: t.Int, clean: t.boolean }), t.partial({ in_flight: t.array(InFlightValue) })]);

/** The watermark stored beside the deployments; undefined when it is not one (never written, or damaged). */
export function decodeWatermark(text: string): Watermark | undefined {
  const decoded = WatermarkValue.decode(parseJson(text));
  if (isLeft(decoded) || decoded.right.floor < 0) return undefined;
  const { floor, clean, in_flight } = decoded.right;
  if (in_flight === undefined) return { floor, clean };
  const inFlight: InFlightSubmit[] = [];
  for (const entry of in_flight) {
    const settleAt = entry.settles_at === undefined ? undefined : Date.parse(entry.settles_at);
    if (settleAt !== undefined && Number.isNaN(settleAt)) return undefined;
    inFlight.push({ deployment: entry.deployment, submitId: entry.submit_id, ...(settleAt === undefined ? {} : { settleAt }) });
  }
  return { floor, clean, inFlight };
}

/** The watermark as stored (`/slurm-deployer/watermark/<label>`): JSON, snake_case keys; decodeWatermark reads it back. */
export function encodeWatermark(watermark: Watermark): string {
  const inFlight = watermark.inFlight?.map((e) => ({
    deployment: e.deployment,
    submit_id: e.submitId,
    ...(e.settleAt === undefined ? {} : { settles_at: new Date(e.settleAt).toISOString() }),
  }));
  return JSON.stringify({ clean: watermark.clean, floor: watermark.floor, ...(inFlight === undefined ? {} : { in_flight: inFlight }) }, null, 2);
}

const RegisteredValue = t.type({ deployment: t.string, comment: t.string });

/** A job registry entry (its id comes from the key); undefined when the value is not one (damaged). */
export function decodeRegisteredJob(jobId: number, text: string): RegisteredJob | undefined {
  const decoded = RegisteredValue.decode(parseJson(text));
  if (isLeft(decoded) || decoded.right.deployment === '') return undefined;
  return { jobId, deployment: decoded.right.deployment, comment: decoded.right.comment };
}

/** A job registry entry as stored (`/slurm-deployer/jobs/<label>/<jobId>`): JSON; decodeRegisteredJob reads it back. */
export function encodeRegisteredJob(job: RegisteredJob): string {
  return JSON.stringify({ comment: job.comment, deployment: job.deployment }, null, 2);
}

const NOT_JSON = Symbol('not JSON');

/** JSON.parse messages quote the text they failed on; only whether it parsed is kept. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function describeFirstError(errors: t.Errors): string {
  return describeDecodeErrors(errors, { root: 'value', expected: (name) => EXPECTED[name] });
}

/**
 * The ids of states this deployer wrote (they name the spec they describe) whose deployment is
 * not among `present`: deleted while no deployer watched. States of other deployers are not ours.
 */
export function orphanStatesOf(states: ReadonlyMap<string, DeploymentState>, present: ReadonlySet<string>): string[] {
  return [...states].filter(([id, state]) => state.spec !== undefined && !present.has(id)).map(([id]) => id).sort();
}

/** The jobs orphan states name that had not ended when the state was last written. */
export function orphanJobsOf(states: ReadonlyMap<string, DeploymentState>, orphans: readonly string[]): { id: string; jobId: number }[] {
  const jobs: { id: string; jobId: number }[] = [];
  for (const id of orphans) {
    const state = states.get(id);
    if (state?.job_id !== undefined && !isTerminalStatus(state.status)) jobs.push({ id, jobId: state.job_id });
  }
  return jobs;
}

/** The states of invalid deployments (status shows them); absent when there are none. */
export function statesOfInvalid(invalid: readonly InvalidDeployment[], states: ReadonlyMap<string, DeploymentState>): { invalidStates?: Map<string, DeploymentState> } {
  const found = new Map<string, DeploymentState>();
  for (const { id } of invalid) {
    const state = states.get(id);
    if (state !== undefined) found.set(id, state);
  }
  return found.size === 0 ? {} : { invalidStates: found };
}
