// The Slurm REST API contract for specs: request and response bodies checked with ajv against
// each version's OpenAPI document in spec/fixtures/openapi/. The documents are read as
// they are, except for the repairs below, each one proved necessary by slurm-contract.spec.ts:
//
// - strict: every object schema that lists its properties refuses any other key (slurmrestd
//   v0.0.38 answers 400 to an unknown key, and a fixture with a misspelt key must not pass);
// - Slurm's generator writes nested requirements as paths (`required: ["error/code"]`, in the
//   kill answers and a few others), which no JSON body can satisfy: they become nested `required`;
// - v0.0.38 only, responses only, because the static document is older than what slurmrestd
//   22.05 really sends (slurm-22.05-samples): unset values are `null` (the document has no
//   `nullable`), `meta.Slurm.version` numbers are integers (the document says strings), jobs carry
//   `group_name`, `prefer` and `tasks_per_node`, error entries carry `error_code`, `description`
//   and `source`, and an error answer is the object `{meta, errors, ...}` of the operation's
//   success answer, where the document declares the bare `v0.0.38_errors` array or nothing;
// - v0.0.40+: `job_resources` of a job not yet allocated is null (repairNullJobResources);
// - v0.0.40+: `GET /jobs/state` is declared to answer `openapi_job_info_resp` (full job records,
//   `last_update` required), but slurmrestd 24.11 and 26.05 answer `{jobs: [{job_id: "12",
//   state: [...]}], meta, errors, warnings}`: the id a string, the state list as `state`
//   (repairJobStatesAnswer);
// - requests: Slurm 24.05.2's combined document writes the bulk kill's `kill_jobs_msg` as query
//   parameters of `DELETE /jobs/` (form style, not exploded: comma lists), where 24.05.4's and
//   later documents, and the servers, take it as the JSON body (repairQueryParametersBody);
// - v0.0.38 requests: `nodes` is the string "n" that 22.05.8 honours, not the documented array
//   [min, max], which it silently ignores (see repairV0038Requests).
//
// Bodies that are not JSON (slurmrestd's router answers text/plain: "Authentication failure",
// "Unable to parse query.") are described by no document and are not checked.

import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { SUPPORTED_API_VERSIONS, type SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { fixtureFile } from './repo.js';
import {
  allowNull,
  ERROR_ANSWER_V0038,
  repairJobStatesAnswer,
  repairNestedRequired,
  repairNullJobResources,
  repairQueryParametersBody,
  repairV0038Requests,
  repairV0038Responses,
} from './slurm-contract-repairs.js';

const COMBINED_24_05 = 'v0.0.39+v0.0.40+v0.0.41.generated-by-slurm-24.05.2.json';

/** The documents each version's bodies must satisfy, all of them (two releases describe v0.0.40 and v0.0.41). */
export const OPENAPI_DOCUMENTS: Readonly<Record<SlurmApiVersion, readonly string[]>> = {
  'v0.0.38': ['v0.0.38.static.slurm-23.02.json'],
  'v0.0.39': [COMBINED_24_05],
  'v0.0.40': ['v0.0.40.generated-by-slurm-24.05.4.json', COMBINED_24_05],
  'v0.0.41': ['v0.0.41.generated-by-slurm-24.05.8.json', COMBINED_24_05],
  'v0.0.42': ['v0.0.42.generated-by-slurm-24.11.6.json'],
  'v0.0.43': ['v0.0.43.generated-by-slurm-25.05.8.json'],
  'v0.0.44': ['v0.0.44.generated-by-slurm-25.11.0rc2.json'],
  // As slurmrestd 26.05.5 serves it at /openapi/v3 (no generated document of v0.0.45 was published).
  'v0.0.45': ['v0.0.42+v0.0.43+v0.0.44+v0.0.45.served-by-slurm-26.05.5.json'],
};

/** Which repairs a prepared copy gets (all on by default; specs turn them off to prove them). */
export interface Repairs {
  readonly strict: boolean;
  readonly nestedRequired: boolean;
  /** The v0.0.38 response repairs (see the file's head). */
  readonly v0038Responses: boolean;
  /** v0.0.40+: `job_resources` may be null (see repairNullJobResources). */
  readonly nullJobResources: boolean;
  /** v0.0.40+: what `GET /jobs/state` really answers (see repairJobStatesAnswer). */
  readonly jobStatesAnswer: boolean;
  /** Requests: a body described as query parameters (see repairQueryParametersBody). */
  readonly queryParametersBody: boolean;
}

const ALL_REPAIRS: Repairs = { strict: true, nestedRequired: true, v0038Responses: true, nullJobResources: true, jobStatesAnswer: true, queryParametersBody: true };

type Json = Record<string, unknown>;

export interface SlurmContract {
  readonly version: SlurmApiVersion;
  readonly documents: readonly string[];
  /** What the documents say against a request body; [] when every one of them accepts it. */
  requestProblems(method: string, path: string, body: unknown): string[];
  /** What the documents say against a response body for that status; [] when all accept it. */
  responseProblems(method: string, path: string, status: number, body: unknown): string[];
  /** Throws (listing the problems) unless every document accepts the request body. */
  checkRequest(method: string, path: string, body: unknown): void;
  /** Throws (listing the problems) unless every document accepts the response body; returns it. */
  checkResponse<T>(method: string, path: string, status: number, body: T): T;
  /** What one document's named component schema says against a value (for the validator's own specs). */
  schemaProblems(document: string, schema: string, value: unknown, side?: 'request' | 'response'): string[];
}

const contracts = new Map<string, SlurmContract>();

export function slurmContract(version: SlurmApiVersion, repairs: Partial<Repairs> = {}): SlurmContract {
  const key = `${version}:${JSON.stringify(repairs)}`;
  let contract = contracts.get(key);
  if (contract === undefined) {
    contract = buildContract(version, { ...ALL_REPAIRS, ...repairs });
    contracts.set(key, contract);
  }
  return contract;
}

/** The raw document, as in the reference folder (a spec that needs it fails when it is missing). */
export function openApiDocument(file: string): Json {
  // A bare name is one of spec/fixtures/openapi/; a path is relative to spec/fixtures (recordings).
  return JSON.parse(readFileSync(file.includes('/') ? fixtureFile(file) : fixtureFile('openapi', file), 'utf8')) as Json;
}

/** The contract of one version as other documents describe it: e.g. the one a recorded server served. */
export function contractOf(version: SlurmApiVersion, documents: readonly string[], repairs: Partial<Repairs> = {}): SlurmContract {
  const key = `${version}:${documents.join('+')}:${JSON.stringify(repairs)}`;
  let contract = contracts.get(key);
  if (contract === undefined) {
    contract = buildContract(version, { ...ALL_REPAIRS, ...repairs }, documents);
    contracts.set(key, contract);
  }
  return contract;
}

function buildContract(version: SlurmApiVersion, repairs: Repairs, documents: readonly string[] = OPENAPI_DOCUMENTS[version]): SlurmContract {
  const prepared = documents.map((file) => new PreparedDocument(file, version, repairs));

  const problems = (side: 'request' | 'response', method: string, path: string, status: number, body: unknown): string[] =>
    prepared.flatMap((doc) => doc.problems(side, method, path, status, body).map((p) => `${doc.file}: ${p}`));

  return {
    version,
    documents,
    requestProblems: (method, path, body) => problems('request', method, path, 0, body),
    responseProblems: (method, path, status, body) => problems('response', method, path, status, body),
    checkRequest(method, path, body) {
      const found = problems('request', method, path, 0, body);
      if (found.length > 0) throw new Error(`${version} request ${method} ${path} breaks the contract:\n  ${found.join('\n  ')}`);
    },
    checkResponse(method, path, status, body) {
      const found = problems('response', method, path, status, body);
      if (found.length > 0) throw new Error(`${version} response ${status} to ${method} ${path} breaks the contract:\n  ${found.join('\n  ')}`);
      return body;
    },
    schemaProblems(document, schema, value, side = 'response') {
      const doc = prepared.find((d) => d.file === document);
      if (doc === undefined) throw new Error(`${document} is not a document of ${version}`);
      return doc.schemaProblems(side, schema, value);
    },
  };
}

class PreparedDocument {
  readonly #sides: Record<'request' | 'response', { ajv: Ajv; doc: Json; id: string }>;
  readonly #repairedV0038: boolean;

  constructor(
    readonly file: string,
    version: SlurmApiVersion,
    repairs: Repairs,
  ) {
    const raw = openApiDocument(file);
    this.#repairedV0038 = version === 'v0.0.38' && repairs.v0038Responses;
    const side = (which: 'request' | 'response') => {
      const doc = prepare(raw, repairs, which === 'response' && this.#repairedV0038, which === 'request' && this.#repairedV0038);
      if (which === 'request' && repairs.queryParametersBody) repairQueryParametersBody(doc);
      const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
      const id = `${which}:${file}`;
      ajv.addSchema(doc, id);
      return { ajv, doc, id };
    };
    this.#sides = { request: side('request'), response: side('response') };
  }

  problems(which: 'request' | 'response', method: string, path: string, status: number, body: unknown): string[] {
    const side = this.#sides[which];
    const operation = findOperation(side.doc, method, path);
    if (operation === undefined) return [`no operation ${method.toUpperCase()} ${path} in the document`];
    if (which === 'request') {
      const ref = schemaRef((operation['requestBody'] as Json | undefined)?.['content']);
      if (ref === undefined) return ['the operation takes no JSON request body'];
      return this.#validate(side, ref, body);
    }
    if (!isJsonBody(body)) return []; // text/plain router answers: no document describes them
    const ref = this.#responseRef(operation, status);
    if (ref === undefined) return [`the operation declares no JSON answer for HTTP ${status}`];
    return this.#validate(side, ref, body);
  }

  schemaProblems(which: 'request' | 'response', schema: string, value: unknown): string[] {
    return this.#validate(this.#sides[which], `#/components/schemas/${schema}`, value);
  }

  #responseRef(operation: Json, status: number): string | undefined {
    const responses = (operation['responses'] ?? {}) as Json;
    const declared = (key: string) => schemaRef((responses[key] as Json | undefined)?.['content']);
    if (this.#repairedV0038) {
      // An error answer has the success answer's object shape (see the file's head).
      const success = declared('200');
      const answer = `#/components/schemas/${ERROR_ANSWER_V0038}`;
      return status >= 200 && status < 300 ? (declared(String(status)) ?? answer) : (success ?? answer);
    }
    return declared(String(status)) ?? declared('default');
  }

  #validate(side: { ajv: Ajv; id: string }, ref: string, value: unknown): string[] {
    const validate: ValidateFunction | undefined = side.ajv.getSchema(`${side.id}${ref}`);
    if (validate === undefined) return [`schema ${ref} not found`];
    return validate(value) ? [] : describe(validate.errors ?? [], ref);
  }
}

function describe(errors: readonly ErrorObject[], ref: string): string[] {
  return errors.slice(0, 8).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})` : '';
    return `${ref.replace('#/components/schemas/', '')}${e.instancePath || ''} ${e.message ?? e.keyword}${extra}`;
  });
}

function isJsonBody(body: unknown): boolean {
  return body !== undefined && typeof body !== 'string';
}

function schemaRef(content: unknown): string | undefined {
  if (typeof content !== 'object' || content === null) return undefined;
  const schema = ((content as Json)['application/json'] as Json | undefined)?.['schema'] as Json | undefined;
  if (schema === undefined || Object.keys(schema).length === 0) return undefined;
  const ref = schema['$ref'];
  if (typeof ref !== 'string') throw new Error('an inline operation schema: the contract reads only $ref schemas');
  return ref;
}

/**
 * The operation whose path template (servers' prefix included, trailing slash ignored) matches;
 * a literal segment beats a parameter (`/job/submit` is not `/job/{job_id}`).
 */
function findOperation(doc: Json, method: string, requestPath: string): Json | undefined {
  const wanted = segments(requestPath.split('?')[0] ?? '');
  const servers = Array.isArray(doc['servers']) ? (doc['servers'] as Json[]).map((s) => String(s['url'] ?? '/')) : ['/'];
  let best: { operation: Json; literals: number } | undefined;
  for (const [template, item] of Object.entries((doc['paths'] ?? {}) as Json)) {
    const operation = (item as Json)[method.toLowerCase()];
    if (operation === undefined) continue;
    for (const server of servers) {
      const parts = segments(`${server}/${template}`);
      if (parts.length !== wanted.length) continue;
      const isParameter = (p: string) => p.startsWith('{') && p.endsWith('}');
      if (!parts.every((p, i) => isParameter(p) || p === wanted[i])) continue;
      const literals = parts.filter((p) => !isParameter(p)).length;
      if (best === undefined || literals > best.literals) best = { operation: operation as Json, literals };
    }
  }
  return best?.operation;
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

// ---- preparing a document ---------------------------------------------------------------------

function prepare(raw: Json, repairs: Repairs, v0038Responses: boolean, v0038Requests = false): Json {
  const doc = structuredClone(raw);
  const schemas = ((doc['components'] ??= {}) as Json)['schemas'] as Record<string, Json>;
  if (v0038Responses) repairV0038Responses(schemas);
  if (v0038Requests) repairV0038Requests(schemas);
  if (repairs.nullJobResources) repairNullJobResources(schemas);
  if (repairs.jobStatesAnswer) repairJobStatesAnswer(doc, schemas);
  visitSchemas(doc, (schema) => {
    if (repairs.nestedRequired) repairNestedRequired(schema);
    if (repairs.strict && isObjectWithProperties(schema) && !('additionalProperties' in schema)) schema['additionalProperties'] = false;
    if (v0038Responses) allowNull(schema);
  });
  return doc;
}

function isObjectWithProperties(schema: Json): boolean {
  return typeof schema['properties'] === 'object' && schema['properties'] !== null;
}

/** Calls `fn` once on every schema object of the document: components and operations. */
function visitSchemas(doc: Json, fn: (schema: Json) => void): void {
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || seen.has(value)) return;
    seen.add(value);
    const schema = value as Json;
    fn(schema);
    if (isObjectWithProperties(schema)) for (const child of Object.values(schema['properties'] as Json)) visit(child);
    if (Array.isArray(schema['items'])) schema['items'].forEach(visit);
    else visit(schema['items']);
    visit(schema['additionalProperties']);
    visit(schema['not']);
    for (const key of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(schema[key])) (schema[key] as unknown[]).forEach(visit);
  };
  for (const schema of Object.values(((doc['components'] as Json | undefined)?.['schemas'] ?? {}) as Json)) visit(schema);
  for (const item of Object.values((doc['paths'] ?? {}) as Json)) {
    for (const operation of Object.values(item as Json)) {
      if (typeof operation !== 'object' || operation === null) continue;
      const op = operation as Json;
      for (const media of Object.values(((op['requestBody'] as Json | undefined)?.['content'] ?? {}) as Json)) visit((media as Json)['schema']);
      for (const response of Object.values((op['responses'] ?? {}) as Json)) {
        for (const media of Object.values(((response as Json)['content'] ?? {}) as Json)) visit((media as Json)['schema']);
      }
    }
  }
}

/** Every supported version has its documents: CI without spec/fixtures fails here, loudly. */
export function assertEveryDocumentPresent(): void {
  for (const version of SUPPORTED_API_VERSIONS) for (const file of OPENAPI_DOCUMENTS[version]) fixtureFile('openapi', file);
}
