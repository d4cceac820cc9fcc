// The fake slurmrestd's paths, in one table: how a request finds its operation, and what its
// /openapi/v3 lists (the deployer negotiates its version and learns what the server serves from
// that list). With `recorded`, the list is what that real server listed; without, the paths the
// fake answers, written as slurmrestd writes them (absolute, some with a trailing slash).

import { servesStates, type AnsweredOperation, type NewerVersion } from './slurm-bodies.js';
import { servedOpenApi, type ReplayedRelease } from './recordings.js';

interface Route {
  readonly operation: AnsweredOperation;
  readonly plugin: 'slurm' | 'slurmdb';
  readonly method: 'get' | 'post' | 'delete';
  /** As the documents write it, after `/{plugin}/{version}`. */
  readonly path: string;
}

const ROUTES: readonly Route[] = [
  { operation: 'submit', plugin: 'slurm', method: 'post', path: '/job/submit' },
  { operation: 'listJobs', plugin: 'slurm', method: 'get', path: '/jobs/' },
  { operation: 'getJob', plugin: 'slurm', method: 'get', path: '/job/{job_id}' },
  { operation: 'cancel', plugin: 'slurm', method: 'delete', path: '/job/{job_id}' },
  { operation: 'readStates', plugin: 'slurm', method: 'get', path: '/jobs/state/' },
  { operation: 'cancelJobs', plugin: 'slurm', method: 'delete', path: '/jobs/' },
  { operation: 'accounting', plugin: 'slurmdb', method: 'get', path: '/job/{job_id}' },
];

/** What the fake serves, as far as routing is concerned. */
export interface Served {
  readonly versions: readonly NewerVersion[];
  readonly accounting?: boolean;
  readonly bearer?: boolean;
  readonly recorded?: ReplayedRelease;
}

/** A request routed: the operation, the version, the job id of a `/job/{id}` path (NaN elsewhere). */
export interface Routed {
  readonly operation: AnsweredOperation;
  readonly version: NewerVersion;
  readonly id: number;
}

const serves = (served: Served, route: Route, version: NewerVersion): boolean =>
  served.versions.includes(version) &&
  (route.plugin === 'slurm' || served.accounting !== false) &&
  ((route.operation !== 'readStates' && route.operation !== 'cancelJobs') || servesStates(version));

/** The operation a request asks for, or undefined when the fake serves no such path (a 404). */
export function routeOf(served: Served, method: string, pathname: string): Routed | undefined {
  const m = /^\/(slurm|slurmdb)\/(v\d+\.\d+\.\d+)(\/.*?)\/?$/.exec(pathname);
  if (m === null) return undefined;
  const version = m[2] as NewerVersion;
  const rest = m[3]!;
  const route = ROUTES.find(
    (r) => r.plugin === m[1] && r.method === method.toLowerCase() && r.path.replace(/\/$/, '') === rest.replace(/\/\d+$/, '/{job_id}'),
  );
  if (route === undefined || !serves(served, route, version)) return undefined;
  return { operation: route.operation, version, id: Number(/\/(\d+)$/.exec(rest)?.[1]) };
}

/** The answer to `GET /openapi/v3`. */
export function openApiListing(served: Served): Record<string, unknown> {
  const listed = served.recorded === undefined ? fakePaths(served) : recordedPaths(served, served.recorded);
  const schemes: Record<string, unknown> = {
    user: { type: 'apiKey', description: 'User name', name: 'X-SLURM-USER-NAME', in: 'header' },
    token: { type: 'apiKey', description: 'User access token', name: 'X-SLURM-USER-TOKEN', in: 'header' },
    ...(served.bearer === false ? {} : { bearerAuth: { type: 'http', description: 'Bearer Authentication', scheme: 'bearer', bearerFormat: 'JWT' } }),
  };
  return {
    openapi: '3.0.3',
    info: { title: 'Slurm REST API', version: `Slurm-fake&${served.versions.join('&')}` },
    paths: listed,
    components: { securitySchemes: schemes },
  };
}

function fakePaths(served: Served): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const version of served.versions) {
    for (const route of ROUTES) {
      if (!serves(served, route, version)) continue;
      const item = (paths[`/${route.plugin}/${version}${route.path}`] ??= {});
      item[route.method] = { operationId: `${route.operation}_${version}`, responses: {} };
    }
  }
  return paths;
}

/** The paths the real server listed, of the versions served (and of slurmdb only with accounting). */
function recordedPaths(served: Served, release: ReplayedRelease): Record<string, unknown> {
  const document = servedOpenApi(release) as { paths?: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(document.paths ?? {}).filter(([path]) => {
      const owner = /^\/(slurm|slurmdb)\/(v[\d.]+)\//.exec(path);
      return owner !== null && served.versions.includes(owner[2] as NewerVersion) && (owner[1] === 'slurm' || served.accounting !== false);
    }),
  );
}
