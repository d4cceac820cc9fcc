// Which REST API versions a slurmrestd offers, read from its own OpenAPI document
// (`GET /openapi/v3`), and the pick: the newest version both sides speak, or the forced one
// checked against the offer. Pure.

import { compareApiVersions, listVersions, SUPPORTED_API_VERSIONS, type SlurmApiVersion } from './api-versions.js';

/** What one slurmrestd says it serves. */
export interface ServerOffer {
  /** Versions under which it lists every path the deployer uses (submit, jobs, job/{id} GET and DELETE), oldest first. */
  readonly versions: readonly string[];
  /** Versions under which it lists `GET /slurmdb/{version}/job/{job_id}` (accounting: needs slurmdbd). */
  readonly accounting: ReadonlySet<string>;
  /** Whether it declares Bearer authentication (a `http`/`bearer` security scheme). */
  readonly bearer: boolean;
}

/** Neither side can talk to the other: the message names the versions of both. */
export class NoCommonApiVersionError extends Error {
  override readonly name = 'NoCommonApiVersionError';

  constructor(
    readonly serverVersions: readonly string[],
    readonly clientVersions: readonly string[],
    where: string,
  ) {
    super(
      `no Slurm REST API version in common: slurmrestd at ${where} offers ${listVersions(serverVersions)}` +
        (serverVersions.length === 0 ? ' (its /openapi/v3 lists no /slurm/vX/ job paths)' : '') +
        `; this deployer speaks ${listVersions(clientVersions)}`,
    );
  }
}

/** A forced version (SDP_SLURMDEPLOY_API_VERSION) the server does not serve: the message names what it does. */
export class ForcedVersionNotServedError extends Error {
  override readonly name = 'ForcedVersionNotServedError';

  constructor(
    readonly forced: string,
    readonly serverVersions: readonly string[],
    where: string,
  ) {
    super(
      `slurmrestd at ${where} does not serve REST API ${forced}: its /openapi/v3 lists the job paths of ` +
        (serverVersions.length === 0 ? 'no version' : listVersions(serverVersions)) +
        '; force one of those, or leave the version unset to negotiate one',
    );
  }
}

interface PathMethods {
  readonly [path: string]: ReadonlySet<string>;
}

const SLURM_PATH = /^\/(slurm|slurmdb)\/(v\d+\.\d+\.\d+)(\/.*)?$/;

/**
 * Reads `/openapi/v3`. Paths may be absolute (slurmrestd merges every plugin's paths, e.g.
 * `/slurm/v0.0.38/jobs`) or relative to `servers[].url` (the static v0.0.38 document:
 * `/jobs/` under `/slurm/v0.0.38/`); trailing slashes do not matter to slurmrestd.
 */
export function readServerOffer(document: unknown): ServerOffer {
  const doc = isObject(document) ? document : {};
  const paths = isObject(doc['paths']) ? doc['paths'] : {};
  const servers = Array.isArray(doc['servers']) ? doc['servers'].map((s) => (isObject(s) && typeof s['url'] === 'string' ? s['url'] : '/')) : ['/'];
  const methods: Record<string, Set<string>> = {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    const verbs = Object.keys(item).map((m) => m.toLowerCase());
    for (const server of servers.length === 0 ? ['/'] : servers) {
      const full = normalise(joinPath(server, path));
      const set = (methods[full] ??= new Set());
      for (const verb of verbs) set.add(verb);
    }
  }

  const versions = new Set<string>();
  for (const path of Object.keys(methods)) {
    const m = SLURM_PATH.exec(path);
    if (m !== null) versions.add(m[2]!);
  }
  const complete = [...versions].filter((v) => servesJobPaths(methods, v)).sort(compareApiVersions);
  const accounting = new Set([...versions].filter((v) => has(methods, `/slurmdb/${v}/job/{}`, 'get')));
  return { versions: complete, accounting, bearer: declaresBearer(doc) };
}

/**
 * The newest version in both lists. Newest, because from v0.0.40 the versions share one handler
 * per Slurm release and only the newer shapes carry everything (the cancel error of 24.11+ is
 * invisible through v0.0.40/41), and because the oldest offered version is the next removed.
 */
export function pickApiVersion(offer: ServerOffer, where: string, supported: readonly SlurmApiVersion[] = SUPPORTED_API_VERSIONS): SlurmApiVersion {
  const common = supported.filter((v) => offer.versions.includes(v)).sort(compareApiVersions);
  const newest = common.at(-1);
  if (newest === undefined) throw new NoCommonApiVersionError(offer.versions, supported, where);
  return newest;
}

/** A forced version, if the server lists every job path of it; else a ForcedVersionNotServedError. */
export function checkForcedVersion(offer: ServerOffer, forced: SlurmApiVersion, where: string): SlurmApiVersion {
  if (!offer.versions.includes(forced)) throw new ForcedVersionNotServedError(forced, offer.versions, where);
  return forced;
}

function servesJobPaths(methods: PathMethods, version: string): boolean {
  const slurm = `/slurm/${version}`;
  return (
    has(methods, `${slurm}/job/submit`, 'post') &&
    has(methods, `${slurm}/jobs`, 'get') &&
    has(methods, `${slurm}/job/{}`, 'get') &&
    has(methods, `${slurm}/job/{}`, 'delete')
  );
}

function has(methods: PathMethods, path: string, method: string): boolean {
  return methods[path]?.has(method) ?? false;
}

/** Path parameters lose their names (`{job_id}` and `{id}` are the same route); no trailing slash. */
function normalise(path: string): string {
  const collapsed = path.replace(/\/{2,}/g, '/').replace(/\{[^}]*\}/g, '{}');
  return collapsed.length > 1 ? collapsed.replace(/\/+$/, '') : collapsed;
}

function joinPath(server: string, path: string): string {
  // An absolute server URL contributes only its path.
  const serverPath = /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? new URL(server).pathname : server;
  return `/${serverPath}/${path}`;
}

function declaresBearer(doc: Record<string, unknown>): boolean {
  const components = isObject(doc['components']) ? doc['components'] : {};
  const schemes = isObject(components['securitySchemes']) ? components['securitySchemes'] : {};
  return Object.values(schemes).some((s) => isObject(s) && s['type'] === 'http' && String(s['scheme']).toLowerCase() === 'bearer');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
