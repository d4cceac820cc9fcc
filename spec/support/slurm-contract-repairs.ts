// The repairs slurm-contract.ts makes to the OpenAPI documents before it checks bodies against
// them: each one is described, and proven needed, there (see its head and slurm-contract.spec.ts).

type Json = Record<string, unknown>;

/** The object answer of v0.0.38's errors, which its document does not declare (see repairV0038Responses). */
export const ERROR_ANSWER_V0038 = 'contract.v0.0.38_error_answer';

/** `required: ["a", "error/code"]` -> `required: ["a", "error"]`, and `error` must have `code`. */
export function repairNestedRequired(schema: Json): void {
  const required = schema['required'];
  if (!Array.isArray(required) || !required.some((r) => typeof r === 'string' && r.includes('/'))) return;
  const tails = new Map<string, string[]>();
  const flat: string[] = [];
  for (const r of required as string[]) {
    const [head, ...rest] = r.split('/');
    if (head === undefined) continue;
    if (!flat.includes(head)) flat.push(head);
    if (rest.length > 0) tails.set(head, [...(tails.get(head) ?? []), rest.join('/')]);
  }
  schema['required'] = flat;
  const properties = (schema['properties'] ??= {}) as Json;
  for (const [head, nested] of tails) {
    const requirement = nestedRequirement(nested);
    properties[head] = properties[head] === undefined ? requirement : { allOf: [properties[head], requirement] };
  }
}

/** A schema that only requires (`additionalProperties: true`, so that strictness leaves it open). */
function nestedRequirement(paths: readonly string[]): Json {
  const requirement: Json = { required: [...new Set(paths.map((p) => p.split('/')[0]))], additionalProperties: true };
  const deeper = new Map<string, string[]>();
  for (const p of paths) {
    const [head, ...rest] = p.split('/');
    if (head !== undefined && rest.length > 0) deeper.set(head, [...(deeper.get(head) ?? []), rest.join('/')]);
  }
  if (deeper.size > 0) requirement['properties'] = Object.fromEntries([...deeper].map(([h, r]) => [h, nestedRequirement(r)]));
  return requirement;
}

/** The v0.0.38 response repairs that need the schemas by name (the nulls are done per schema). */
export function repairV0038Responses(schemas: Record<string, Json>): void {
  const job = schemas['v0.0.38_job_response_properties'];
  const error = schemas['v0.0.38_error'];
  const resources = schemas['v0.0.38_job_resources'];
  const node = schemas['v0.0.38_node_allocation'];
  const version = (((schemas['v0.0.38_meta']?.['properties'] as Json)['Slurm'] as Json)['properties'] as Json)['version'] as Json;
  if (job === undefined || error === undefined || resources === undefined || node === undefined) {
    throw new Error('the v0.0.38 document lacks the schemas its repairs expect');
  }
  Object.assign(job['properties'] as Json, { group_name: { type: 'string' }, prefer: { type: 'string' }, tasks_per_node: { type: 'integer' } });
  Object.assign(error['properties'] as Json, { error_code: { type: 'integer' }, description: { type: 'string' }, source: { type: 'string' } });
  // 22.05's job_resources: `allocated_cores`, per-node usage, and sockets keyed by socket id (as
  // the document's own description of `sockets` says, unlike its schema).
  Object.assign(resources['properties'] as Json, { allocated_cores: { type: 'integer' } });
  Object.assign(node['properties'] as Json, {
    cpus_used: { type: 'integer' },
    memory_used: { type: 'integer' },
    memory_allocated: { type: 'integer' },
    sockets: { type: 'object', additionalProperties: { type: 'object', properties: { cores: { type: 'object', additionalProperties: { type: 'string' } } } } },
  });
  for (const part of ['major', 'micro', 'minor']) ((version['properties'] as Json)[part] as Json)['type'] = 'integer';
  schemas[ERROR_ANSWER_V0038] = {
    type: 'object',
    properties: { meta: { $ref: '#/components/schemas/v0.0.38_meta' }, errors: { $ref: '#/components/schemas/v0.0.38_errors' } },
  };
}

/**
 * `job_properties.nodes` is `[min, max]` in the document, but slurmrestd 22.05.8 ignores that
 * array (the job gets Slurm's default node count: max_nodes reads back 0) and honours the
 * string form `"n"` or `"min-max"` of later versions, which the deployer therefore sends.
 */
export function repairV0038Requests(schemas: Record<string, Json>): void {
  const properties = schemas['v0.0.38_job_properties']?.['properties'] as Json | undefined;
  if (properties?.['nodes'] === undefined) throw new Error('the v0.0.38 document lacks job_properties.nodes');
  properties['nodes'] = { type: 'string', description: 'node count: "n" or "min-max" (what 22.05.8 honours)' };
}

/**
 * Real slurmrestd 24.11 and 26.05 print `"job_resources": null` for a job not yet allocated
 * (spec/fixtures/recorded/.../02-job-just-submitted.json), where the document they serve
 * themselves says `$ref: vX_job_res` (an object).
 */
export function repairNullJobResources(schemas: Record<string, Json>): void {
  for (const [name, schema] of Object.entries(schemas)) {
    if (!name.endsWith('_job_info')) continue;
    const properties = schema['properties'] as Json | undefined;
    const resources = properties?.['job_resources'] as Json | undefined;
    if (resources?.['$ref'] !== undefined) properties!['job_resources'] = { anyOf: [{ $ref: resources['$ref'] }, { type: 'null' }] };
  }
}

/**
 * The answer of `GET /slurm/vX/jobs/state/` as slurmrestd writes it (spec/fixtures/recorded/
 * .../15-jobs-state-by-ids.json): each job's id, as a string ("12", "12_3" for an array task),
 * and its state list, keyed `state`; the document's meta, errors and warnings around them.
 */
export function repairJobStatesAnswer(doc: Json, schemas: Record<string, Json>): void {
  const local = (ref: unknown) => (typeof ref === 'string' ? ref.replace('#/components/schemas/', '') : undefined);
  const resolve = (schema: Json | undefined) => (schema?.['$ref'] === undefined ? schema : schemas[local(schema['$ref'])!]);
  for (const [path, item] of Object.entries((doc['paths'] ?? {}) as Json)) {
    if (!/\/jobs\/state\/?$/.test(path)) continue;
    for (const response of Object.values((((item as Json)['get'] as Json | undefined)?.['responses'] ?? {}) as Json)) {
      for (const media of Object.values(((response as Json)['content'] ?? {}) as Json)) {
        const declared = local(((media as Json)['schema'] as Json | undefined)?.['$ref']);
        const info = declared === undefined ? undefined : schemas[declared];
        const properties = info?.['properties'] as Json | undefined;
        const job = resolve(resolve(properties?.['jobs'] as Json | undefined)?.['items'] as Json | undefined);
        const state = (job?.['properties'] as Json | undefined)?.['job_state'];
        if (declared === undefined || properties === undefined || state === undefined) throw new Error(`${path}: the document lacks the job_info schemas its repair expects`);
        const name = `contract.${declared.replace('_job_info_resp', '_job_states_resp')}`;
        schemas[name] ??= {
          type: 'object',
          properties: {
            jobs: { type: 'array', items: { type: 'object', properties: { job_id: { type: 'string' }, state }, required: ['job_id', 'state'] } },
            meta: properties['meta'],
            errors: properties['errors'],
            warnings: properties['warnings'],
          },
          required: ['jobs'],
        };
        (media as Json)['schema'] = { $ref: `#/components/schemas/${name}` };
      }
    }
  }
}

/**
 * A DELETE that declares no request body but only query parameters (24.05.2's `DELETE /jobs/`)
 * takes them as a JSON body: one property per parameter, and a form parameter not exploded
 * (a comma list in a URL) may be a JSON list of its values, as 24.05.4's kill_jobs_msg says.
 */
export function repairQueryParametersBody(doc: Json): void {
  for (const item of Object.values((doc['paths'] ?? {}) as Json)) {
    const operation = (item as Json)['delete'] as Json | undefined;
    const parameters = operation?.['parameters'];
    if (operation === undefined || operation['requestBody'] !== undefined || !Array.isArray(parameters) || parameters.length === 0) continue;
    if (!(parameters as Json[]).every((p) => p['in'] === 'query')) continue;
    const properties = Object.fromEntries(
      (parameters as Json[]).map((p) => {
        const schema = p['schema'] as Json;
        return [String(p['name']), p['explode'] === false ? { anyOf: [schema, { type: 'array', items: schema }] } : schema];
      }),
    );
    const name = `contract.${String(operation['operationId'])}_body`;
    (((doc['components'] ??= {}) as Json)['schemas'] as Json)[name] = { type: 'object', properties, additionalProperties: false };
    operation['requestBody'] = { content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } };
  }
}

export function allowNull(schema: Json): void {
  const type = schema['type'];
  if (typeof type === 'string') schema['type'] = [type, 'null'];
  if (Array.isArray(schema['enum']) && !schema['enum'].includes(null)) schema['enum'] = [...(schema['enum'] as unknown[]), null];
}
